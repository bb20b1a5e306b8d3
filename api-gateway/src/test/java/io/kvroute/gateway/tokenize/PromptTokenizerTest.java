package io.kvroute.gateway.tokenize;

import static org.assertj.core.api.Assertions.assertThat;

import io.kvroute.gateway.GatewayConfig;
import io.kvroute.gateway.TestGateway;
import io.kvroute.gateway.api.GenerationRequest;
import io.kvroute.gateway.api.RequestParser;
import io.kvroute.gateway.metrics.GatewayMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.WorkerExecutor;
import io.vertx.core.json.JsonObject;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Tokenising runs on the worker pool, never on the calling event loop: with the pool's only thread held busy, a
 * chat request issued from an event loop stays pending while that event loop keeps serving other tasks, and
 * completes with the right ids once the pool is free. Token-id prompts skip the pool.
 */
@Timeout(60)
class PromptTokenizerTest {

  private final Vertx vertx = Vertx.vertx();

  @AfterEach
  void close() throws Exception {
    vertx.close().await(10, TimeUnit.SECONDS);
  }

  @Test
  void shouldTokeniseOnThePoolAndKeepTheEventLoopFree() throws Exception {
    WorkerExecutor pool = vertx.createSharedWorkerExecutor("test-tokenizer", 1);
    GatewayMetrics metrics = new GatewayMetrics(new PrometheusMeterRegistry(PrometheusConfig.DEFAULT));
    PromptTokenizer tokenizer = new PromptTokenizer(TestGateway.tokenizer(), pool, metrics);
    RequestParser parser = new RequestParser(GatewayConfig.DEFAULT_MODEL);
    GenerationRequest chat = parser.chat(new JsonObject("{\"messages\":[{\"role\":\"user\",\"content\":"
        + "\"How are KV blocks hashed?\"}]}"));
    GenerationRequest ids = parser.completion(new JsonObject("{\"prompt\":[11,22,33]}"));

    CountDownLatch release = new CountDownLatch(1);
    CountDownLatch poolBusy = new CountDownLatch(1);
    pool.executeBlocking(() -> {
      poolBusy.countDown();
      return release.await(30, TimeUnit.SECONDS);
    }, false);
    assertThat(poolBusy.await(10, TimeUnit.SECONDS)).isTrue();

    io.vertx.core.Context loop = vertx.getOrCreateContext();
    Promise<Future<int[]>> issued = Promise.promise();
    loop.runOnContext(v -> issued.complete(tokenizer.promptTokens(chat)));
    Future<int[]> chatIds = issued.future().await(10, TimeUnit.SECONDS);
    // The event loop that issued the request is free: it runs this task while the chat request waits for the pool.
    Promise<Boolean> loopFree = Promise.promise();
    loop.runOnContext(v -> loopFree.complete(chatIds.isComplete()));
    assertThat(loopFree.future().await(10, TimeUnit.SECONDS)).as("chat tokenised before the pool was free")
        .isFalse();
    Promise<Future<int[]>> direct = Promise.promise();
    loop.runOnContext(v -> direct.complete(tokenizer.promptTokens(ids)));
    Future<int[]> idsFuture = direct.future().await(10, TimeUnit.SECONDS);
    assertThat(idsFuture.isComplete()).as("token-id prompts need no pool").isTrue();
    assertThat(idsFuture.result()).containsExactly(11, 22, 33);

    release.countDown();
    int[] tokens = chatIds.await(30, TimeUnit.SECONDS);
    assertThat(tokens).containsExactly(TestGateway.tokenizer().encodeChat(java.util.List.of(
        Map.of("role", "user", "content", "How are KV blocks hashed?")), null, true));
    // the chat job waited for the pool and ran on it: both recorded
    assertThat(metrics.tokenizerQueueInterval().getTotalCount()).isEqualTo(1); // the blocker was not ours
    assertThat(metrics.tokenizerRunInterval().getTotalCount()).isEqualTo(1);
  }
}

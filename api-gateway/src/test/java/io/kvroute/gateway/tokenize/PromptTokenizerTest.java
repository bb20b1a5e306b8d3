package io.kvroute.gateway.tokenize;

import static org.assertj.core.api.Assertions.assertThat;

import io.kvroute.common.tokenizer.ModelTokenizer;
import io.kvroute.gateway.GatewayConfig;
import io.kvroute.gateway.TestGateway;
import io.kvroute.gateway.api.ApiError;
import io.kvroute.gateway.api.GenerationRequest;
import io.kvroute.gateway.api.RequestParser;
import io.kvroute.gateway.metrics.GatewayMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.WorkerExecutor;
import io.vertx.core.json.JsonObject;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The native tokenizer runs on the worker pool, never on the calling event loop: with the pool's only thread held
 * busy, a request that needs it stays pending while that event loop keeps serving other tasks, and completes with
 * the right ids once the pool is free. Token-id prompts skip the pool, and so do small bodies whose every piece is
 * in the tokenizer's caches (answered on the event loop with the same ids).
 */
@Timeout(60)
class PromptTokenizerTest {

  private static final String QUESTION = "How are KV blocks hashed?";

  private final Vertx vertx = Vertx.vertx();
  private final RequestParser parser = new RequestParser(GatewayConfig.DEFAULT_MODEL);
  private final GatewayMetrics metrics = new GatewayMetrics(new PrometheusMeterRegistry(PrometheusConfig.DEFAULT));
  private final CountDownLatch release = new CountDownLatch(1);
  private WorkerExecutor pool;
  private Context loop;

  /** The pool's only thread is held busy until {@link #release} is counted down. */
  @BeforeEach
  void holdThePool() throws Exception {
    pool = vertx.createSharedWorkerExecutor("test-tokenizer", 1);
    CountDownLatch poolBusy = new CountDownLatch(1);
    pool.executeBlocking(() -> {
      poolBusy.countDown();
      return release.await(30, TimeUnit.SECONDS);
    }, false);
    assertThat(poolBusy.await(10, TimeUnit.SECONDS)).isTrue();
    loop = vertx.getOrCreateContext();
  }

  @AfterEach
  void close() throws Exception {
    release.countDown();
    vertx.close().await(10, TimeUnit.SECONDS);
  }

  private GenerationRequest chat(String content) {
    return parser.chat(new JsonObject().put("messages", List.of(Map.of("role", "user", "content", content))));
  }

  private static int[] expectedChat(String content) throws Exception {
    return ModelTokenizer.loadBundled(0).encodeChat(List.of(Map.of("role", "user", "content", content)), null, true);
  }

  /** Calls {@code call} on the event loop and returns the future it gave. */
  private Future<int[]> onLoop(Supplier<Future<int[]>> call) throws Exception {
    Promise<Future<int[]>> issued = Promise.promise();
    loop.runOnContext(v -> issued.complete(call.get()));
    return issued.future().await(10, TimeUnit.SECONDS);
  }

  /** True if the event loop runs a task right now (it is not held by the tokenizer). */
  private boolean loopRuns(Future<int[]> pending) throws Exception {
    Promise<Boolean> ran = Promise.promise();
    loop.runOnContext(v -> ran.complete(!pending.isComplete()));
    return ran.future().await(10, TimeUnit.SECONDS);
  }

  @Test
  void shouldTokeniseOnThePoolAndKeepTheEventLoopFree() throws Exception {
    PromptTokenizer tokenizer = new PromptTokenizer(TestGateway.tokenizer(), pool, metrics, 0);
    GenerationRequest chat = chat(QUESTION);
    GenerationRequest ids = parser.completion(new JsonObject("{\"prompt\":[11,22,33]}"));

    Future<int[]> chatIds = onLoop(() -> tokenizer.promptTokens(chat, 100));
    assertThat(loopRuns(chatIds)).as("the event loop is free while the chat waits for the pool").isTrue();
    Future<int[]> idsFuture = onLoop(() -> tokenizer.promptTokens(ids, 100));
    assertThat(idsFuture.isComplete()).as("token-id prompts need no pool").isTrue();
    assertThat(idsFuture.result()).containsExactly(11, 22, 33);

    release.countDown();
    assertThat(chatIds.await(30, TimeUnit.SECONDS)).containsExactly(expectedChat(QUESTION));
    // the chat job waited for the pool and ran on it: both recorded
    assertThat(metrics.tokenizerQueueInterval().getTotalCount()).isEqualTo(1); // the blocker was not ours
    assertThat(metrics.tokenizerRunInterval().getTotalCount()).isEqualTo(1);
    assertThat(metrics.pooledTokenised()).isEqualTo(1);
    assertThat(metrics.inlineTokenised()).isZero();
  }

  @Test
  void shouldAnswerSmallCachedPromptsOnTheEventLoopAndSendTheRestToThePool() throws Exception {
    ModelTokenizer model = ModelTokenizer.loadBundled(1 << 20);
    PromptTokenizer tokenizer = new PromptTokenizer(model, pool, metrics, 4096);
    String warm = "the router keeps the cache of the worker";
    // the template's pieces enter the segment cache, the user turn's words the ASCII piece cache (at most 8 new
    // pieces per text are cached while a mostly new text is encoded whole, so the second call caches the rest)
    model.encodeChat(List.of(Map.of("role", "user", "content", warm)), null, true);
    model.encode("user\n" + warm);
    model.encode("user\n" + warm);

    // a new prompt made of cached words: done on the event loop although the pool is busy
    String known = "the worker keeps the router";
    Future<int[]> inline = onLoop(() -> tokenizer.promptTokens(chat(known), 200));
    assertThat(inline.isComplete()).as("cached pieces only: no pool").isTrue();
    assertThat(inline.result()).containsExactly(expectedChat(known));
    Future<int[]> text = onLoop(() -> tokenizer.promptTokens(
        parser.completion(new JsonObject().put("prompt", known)), 100));
    assertThat(text.result()).containsExactly(ModelTokenizer.loadBundled(0).encode(known));

    // an uncached word, or a body over the bound: pool (pending while the pool is busy)
    String unknown = "the worker keeps the zebrafish";
    Future<int[]> pooled = onLoop(() -> tokenizer.promptTokens(chat(unknown), 200));
    Future<int[]> large = onLoop(() -> tokenizer.promptTokens(chat(known), 4097));
    assertThat(loopRuns(pooled)).isTrue();
    assertThat(large.isComplete()).as("bodies over the bound go to the pool").isFalse();
    assertThat(metrics.inlineTokenised()).isEqualTo(2);
    assertThat(metrics.pooledTokenised()).isEqualTo(2);
    assertThat(metrics.tokenizerInlineInterval().getTotalCount()).as("attempts timed").isEqualTo(3);

    release.countDown();
    assertThat(pooled.await(30, TimeUnit.SECONDS)).containsExactly(expectedChat(unknown));
    assertThat(large.await(30, TimeUnit.SECONDS)).containsExactly(expectedChat(known));
  }

  @Test
  void shouldRejectABadConversationOnTheEventLoopAsA400() throws Exception {
    PromptTokenizer tokenizer = new PromptTokenizer(TestGateway.tokenizer(), pool, metrics, 4096);
    GenerationRequest bad = parser.chat(new JsonObject("{\"messages\":[{\"role\":\"user\",\"content\":\"hi\"},"
        + "{\"role\":\"assistant\",\"tool_calls\":[{\"function\":{}}]}]}"));
    Future<int[]> f = onLoop(() -> tokenizer.promptTokens(bad, 200));
    assertThat(f.failed()).as("template error without the pool").isTrue();
    assertThat(f.cause()).isInstanceOf(ApiError.class);
    assertThat(((ApiError) f.cause()).status()).isEqualTo(400);
  }
}

package io.kvroute.perf.run;

import static org.assertj.core.api.Assertions.assertThat;

import io.kvroute.perf.client.RequestResult;
import io.kvroute.perf.client.RequestSpec;
import io.kvroute.perf.client.StreamingClient;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.json.JsonObject;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Drives the real client and runner against a small OpenAI-style SSE server on loopback. */
class LoadRunnerTest {

  private Vertx vertx;
  private HttpServer server;
  private final AtomicInteger inFlight = new AtomicInteger();
  private final AtomicInteger maxInFlight = new AtomicInteger();
  private final List<JsonObject> bodies = new ArrayList<>();

  @BeforeEach
  void startServer() throws Exception {
    vertx = Vertx.vertx();
    AtomicInteger counter = new AtomicInteger();
    server = vertx.createHttpServer().requestHandler(req -> req.body().onSuccess(buf -> {
      JsonObject body = buf.toJsonObject();
      synchronized (bodies) {
        bodies.add(body);
      }
      int n = counter.getAndIncrement();
      if (body.getInteger("max_tokens") == 0) {
        req.response().setStatusCode(400).putHeader("content-type", "application/json")
            .end("{\"error\":{\"message\":\"max_tokens must be positive\"}}");
        return;
      }
      maxInFlight.accumulateAndGet(inFlight.incrementAndGet(), Math::max);
      var resp = req.response().setChunked(true).putHeader("content-type", "text/event-stream")
          .putHeader(StreamingClient.WORKER_HEADER, "worker-" + (n % 2));
      resp.write("data: {\"choices\":[{\"delta\":{\"role\":\"assistant\"}}]}\n\n");
      vertx.setTimer(20, t1 -> {
        resp.write("data: {\"choices\":[{\"delta\":{\"content\":\"a\"}}]}\n\n");
        vertx.setTimer(5, t2 -> {
          inFlight.decrementAndGet();
          resp.write("data: {\"choices\":[{\"delta\":{\"content\":\"b\"},\"finish_reason\":\"length\"}]}\n\n");
          resp.write("data: {\"choices\":[],\"usage\":{\"prompt_tokens\":100,\"completion_tokens\":2,"
              + "\"prompt_tokens_details\":{\"cached_tokens\":" + (n == 0 ? 0 : 64) + "}}}\n\n");
          resp.end("data: [DONE]\n\n");
        });
      });
    })).listen(0, "127.0.0.1").await(10, TimeUnit.SECONDS);
  }

  @AfterEach
  void stop() throws Exception {
    vertx.close().await(10, TimeUnit.SECONDS);
  }

  private StreamingClient client() {
    return new StreamingClient(URI.create("http://127.0.0.1:" + server.actualPort()), Duration.ofSeconds(30), "",
        null);
  }

  private static List<RequestSpec> specs(int n, long stepMs, int maxTokens) {
    List<RequestSpec> specs = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      String body = new JsonObject().put("i", i).put("max_tokens", maxTokens).encode();
      specs.add(new RequestSpec(i, stepMs < 0 ? -1 : i * stepMs, "/v1/chat/completions", () -> body, 100,
          maxTokens));
    }
    return specs;
  }

  private static Progress quiet(int n) {
    return new Progress(n, new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8), false);
  }

  @Test
  void shouldRunAClosedLoopWithinItsConcurrencyAndMeasureEveryRequest() throws Exception {
    List<RequestResult> results = new LoadRunner(client(), 3, false).run(specs(12, -1, 2), quiet(12));
    assertThat(results).hasSize(12).allMatch(RequestResult::ok);
    assertThat(maxInFlight.get()).isBetween(1, 3);
    assertThat(results).extracting(RequestResult::index).containsExactly(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11);
    for (RequestResult r : results) {
      assertThat(r.ttftNanos()).isPositive();
      assertThat(r.lastTokenNanos()).isGreaterThanOrEqualTo(r.ttftNanos());
      assertThat(r.e2eNanos()).isGreaterThanOrEqualTo(r.lastTokenNanos());
      assertThat(r.outputTokens()).isEqualTo(2);
      assertThat(r.promptTokens()).isEqualTo(100);
      assertThat(r.worker()).isIn("worker-0", "worker-1");
    }
    assertThat(results.stream().mapToInt(RequestResult::cachedTokens).sum()).isEqualTo(11 * 64);
    assertThat(bodies).hasSize(12);
  }

  @Test
  void shouldSendOpenLoopRequestsInScheduleOrderAndKeepErrors() throws Exception {
    List<RequestSpec> specs = specs(6, 10, 2);
    specs.set(5, specs(1, -1, 0).get(0));
    List<RequestResult> results = new LoadRunner(client(), 0, true).run(specs, quiet(6));
    assertThat(results).hasSize(6);
    assertThat(results.subList(0, 5)).allMatch(RequestResult::ok);
    for (int i = 1; i < 5; i++) {
      assertThat(results.get(i).sentAtNanos()).isGreaterThanOrEqualTo(results.get(i - 1).sentAtNanos());
      assertThat(results.get(i).sentAtNanos()).isGreaterThanOrEqualTo(i * 10 * 1_000_000L);
    }
    assertThat(results.get(5).ok()).isFalse();
    assertThat(results.get(5).status()).isEqualTo(400);
    assertThat(results.get(5).error()).contains("max_tokens must be positive");
  }

  @Test
  void shouldReportConnectionFailuresAsErrors() throws Exception {
    StreamingClient dead = new StreamingClient(URI.create("http://127.0.0.1:1"), Duration.ofSeconds(5), "", null);
    List<RequestResult> results = new LoadRunner(dead, 2, false).run(specs(2, -1, 2), quiet(2));
    assertThat(results).hasSize(2).noneMatch(RequestResult::ok);
    assertThat(results.get(0).status()).isZero();
  }
}

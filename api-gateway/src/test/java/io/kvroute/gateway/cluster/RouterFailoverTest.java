package io.kvroute.gateway.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.kvroute.gateway.api.ApiError;
import io.kvroute.gateway.metrics.GatewayMetrics;
import io.kvroute.gateway.route.RouteResult;
import io.kvroute.gateway.route.RouterClient;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServer;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The gateway's router client over replicas: a replica answering 503 (e.g. no eligible worker in its view) does not
 * fail the client request while another replica can route it; when every replica answers 503 the answer stands.
 * Stand-in routers are minimal HTTP servers on loopback.
 */
@Timeout(30)
class RouterFailoverTest {

  private final Vertx vertx = Vertx.vertx();

  @AfterEach
  void close() throws Exception {
    vertx.close().await(10, TimeUnit.SECONDS);
  }

  private String router(int status, AtomicInteger calls) throws Exception {
    HttpServer s = vertx.createHttpServer().requestHandler(req -> req.body().onSuccess(b -> {
      calls.incrementAndGet();
      String body = status == 200
          ? new JsonObject().put("worker_id", "worker-1").put("url", "http://127.0.0.1:1/").put("dp_rank", 0)
              .put("overlap_blocks", 3).put("cached_tokens", 96).encode()
          : new JsonObject().put("error", "no worker").encode();
      req.response().setStatusCode(status).putHeader("content-type", "application/json").end(body);
    })).listen(freePort(), "127.0.0.1").await(10, TimeUnit.SECONDS);
    return "http://127.0.0.1:" + s.actualPort();
  }

  /** A concrete free port: Vert.x shares one server among listens on port 0 within an instance. */
  private static int freePort() throws Exception {
    try (java.net.ServerSocket s = new java.net.ServerSocket(0)) {
      return s.getLocalPort();
    }
  }

  private RouterClient client(List<String> urls) {
    return new RouterClient(vertx.createHttpClient(), urls, Duration.ofSeconds(5),
        new GatewayMetrics(new SimpleMeterRegistry()), System::nanoTime);
  }

  @Test
  void shouldRouteThroughAnotherReplicaWhenOneAnswers503() throws Exception {
    AtomicInteger busyCalls = new AtomicInteger();
    AtomicInteger okCalls = new AtomicInteger();
    RouterClient c = client(List.of(router(503, busyCalls), router(200, okCalls)));
    for (int i = 0; i < 4; i++) {
      RouteResult r = c.route("req-" + i, Buffer.buffer("{}")).await(10, TimeUnit.SECONDS);
      assertThat(r.workerId()).isEqualTo("worker-1");
      assertThat(r.routerUrl()).as("release goes to the replica that booked").doesNotContain(":1/");
    }
    assertThat(okCalls.get()).isEqualTo(4);
    assertThat(busyCalls.get()).as("round-robin still asks the 503 replica first half of the time").isEqualTo(2);
  }

  @Test
  void shouldAnswerNoWorkerWhenEveryReplicaAnswers503() throws Exception {
    AtomicInteger calls = new AtomicInteger();
    RouterClient c = client(List.of(router(503, calls), router(503, calls), router(503, calls)));
    assertThatThrownBy(() -> c.route("req", Buffer.buffer("{}")).await(10, TimeUnit.SECONDS))
        .isInstanceOf(ApiError.class).hasMessageContaining("No worker available");
    assertThat(calls.get()).isEqualTo(3);
  }
}

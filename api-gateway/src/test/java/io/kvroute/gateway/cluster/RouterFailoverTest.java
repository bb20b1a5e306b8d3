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
@Timeout(90)
class RouterFailoverTest {

  private final Vertx vertx = Vertx.vertx();
  private final io.vertx.core.Context loop = vertx.getOrCreateContext();
  private final List<Vertx> routers = new java.util.ArrayList<>();

  @AfterEach
  void close() throws Exception {
    vertx.close().await(10, TimeUnit.SECONDS);
    for (Vertx r : routers) {
      r.close().await(10, TimeUnit.SECONDS);
    }
  }

  private String router(int status, AtomicInteger calls) throws Exception {
    // One Vert.x per stand-in router: listens on port 0 within one instance would share a single server.
    Vertx own = Vertx.vertx();
    routers.add(own);
    HttpServer s = own.createHttpServer().requestHandler(req -> req.body().onSuccess(b -> {
      calls.incrementAndGet();
      String body = status == 200
          ? new JsonObject().put("worker_id", "worker-1").put("url", "http://127.0.0.1:1/").put("dp_rank", 0)
              .put("overlap_blocks", 3).put("cached_tokens", 96).encode()
          : new JsonObject().put("error", "no worker").encode();
      req.response().setStatusCode(status).putHeader("content-type", "application/json").end(body);
    })).listen(0, "127.0.0.1").await(10, TimeUnit.SECONDS);
    return "http://127.0.0.1:" + s.actualPort();
  }

  /**
   * Runs the call on one Vert.x event loop, as the gateway does (its router calls always start on an event loop),
   * and returns its value or its failure unwrapped. Issued from the test's own thread instead, a call reusing a
   * kept-alive connection sometimes never completed after other Vert.x tests had run in this JVM.
   */
  private <T> T result(java.util.function.Supplier<io.vertx.core.Future<T>> call) throws Exception {
    java.util.concurrent.CompletableFuture<T> done = new java.util.concurrent.CompletableFuture<>();
    loop.runOnContext(v -> call.get().onComplete(ar -> {
      if (ar.succeeded()) {
        done.complete(ar.result());
      } else {
        done.completeExceptionally(ar.cause());
      }
    }));
    try {
      return done.get(30, TimeUnit.SECONDS);
    } catch (java.util.concurrent.ExecutionException e) {
      throw e.getCause() instanceof Exception ex ? ex : e;
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
      String id = "req-" + i;
      RouteResult r = result(() -> c.route(id, Buffer.buffer("{}")));
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
    assertThatThrownBy(() -> result(() -> c.route("req", Buffer.buffer("{}"))))
        .isInstanceOf(ApiError.class).hasMessageContaining("No worker available");
    assertThat(calls.get()).isEqualTo(3);
  }
}

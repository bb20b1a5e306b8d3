package io.kvroute.gateway.route;

import static org.assertj.core.api.Assertions.assertThat;

import io.kvroute.gateway.metrics.GatewayMetrics;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServer;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The router client against stand-in routers on loopback (they stand in for router-service's HTTP contract). */
@Timeout(60)
class RouterClientTest {

  private final Vertx vertx = Vertx.vertx();
  private final Context loop = vertx.getOrCreateContext();
  private final List<Vertx> routers = new ArrayList<>();

  @AfterEach
  void close() throws Exception {
    vertx.close().await(10, TimeUnit.SECONDS);
    for (Vertx r : routers) {
      r.close().await(10, TimeUnit.SECONDS);
    }
  }

  /** A router that books every /v1/route but answers only after {@code answerDelayMs}; records every request. */
  private String router(long answerDelayMs, Queue<String> seen) throws Exception {
    Vertx own = Vertx.vertx();
    routers.add(own);
    HttpServer s = own.createHttpServer().requestHandler(req -> req.body().onSuccess(b -> {
      seen.add(req.method() + " " + req.path());
      String body = new JsonObject().put("worker_id", "worker-1").put("url", "http://127.0.0.1:1")
          .put("dp_rank", 0).put("overlap_blocks", 0).put("cached_tokens", 0).encode();
      long delay = req.method() == HttpMethod.POST ? answerDelayMs : 0;
      own.setTimer(Math.max(1, delay), t -> req.response().putHeader("content-type", "application/json").end(body));
    })).listen(0, "127.0.0.1").await(10, TimeUnit.SECONDS);
    return "http://127.0.0.1:" + s.actualPort();
  }

  private <T> T onLoop(Supplier<Future<T>> call) throws Exception {
    CompletableFuture<T> done = new CompletableFuture<>();
    loop.runOnContext(v -> call.get().onComplete(ar -> {
      if (ar.succeeded()) {
        done.complete(ar.result());
      } else {
        done.completeExceptionally(ar.cause());
      }
    }));
    return done.get(30, TimeUnit.SECONDS);
  }

  @Test
  void shouldReleaseTheBookingOfARouterWhoseAnswerTimedOut() throws Exception {
    Queue<String> slowSeen = new ConcurrentLinkedQueue<>();
    Queue<String> fastSeen = new ConcurrentLinkedQueue<>();
    String slow = router(5_000, slowSeen);
    String fast = router(0, fastSeen);
    RouterClient client = new RouterClient(vertx.createHttpClient(), List.of(slow, fast), Duration.ofMillis(300),
        new GatewayMetrics(new SimpleMeterRegistry()), System::nanoTime);

    RouteResult routed = onLoop(() -> client.route("req-1", Buffer.buffer("{}")));

    assertThat(routed.routerUrl()).isEqualTo(fast);
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
    while (!slowSeen.contains("DELETE /v1/requests/req-1") && System.nanoTime() - deadline < 0) {
      Thread.sleep(20);
    }
    assertThat(slowSeen).containsExactly("POST /v1/route", "DELETE /v1/requests/req-1");
    assertThat(fastSeen).containsExactly("POST /v1/route");
  }

  @Test
  void shouldLetShutdownWaitForReleasesTheRouterHasNotAnsweredYet() throws Exception {
    Vertx own = Vertx.vertx();
    routers.add(own);
    Queue<String> answered = new ConcurrentLinkedQueue<>();
    HttpServer s = own.createHttpServer().requestHandler(req -> req.body().onSuccess(b -> own.setTimer(400, t -> {
      answered.add(req.method() + " " + req.path());
      req.response().putHeader("content-type", "application/json").end("{\"released\":true}");
    }))).listen(0, "127.0.0.1").await(10, TimeUnit.SECONDS);
    String url = "http://127.0.0.1:" + s.actualPort();
    GatewayMetrics metrics = new GatewayMetrics(new SimpleMeterRegistry());
    RouterClient client = new RouterClient(vertx.createHttpClient(), List.of(url), Duration.ofSeconds(5), metrics,
        System::nanoTime);
    RouteResult booked = new RouteResult("req-9", "worker-1", 0, "http://127.0.0.1:1", 0, 0, url);

    onLoop(() -> {
      client.release(booked);
      return client.drain(vertx, Duration.ofSeconds(5));
    });

    assertThat(answered).containsExactly("DELETE /v1/requests/req-9");
    assertThat(metrics.lifecycleCount("release", "ok")).isEqualTo(1.0);
    // Nothing in flight: drain completes at once.
    assertThat(onLoop(() -> client.drain(vertx, Duration.ofSeconds(5)).map("drained"))).isEqualTo("drained");
  }
}

package io.kvroute.gateway.route;

import io.kvroute.gateway.api.ApiError;
import io.kvroute.gateway.metrics.GatewayMetrics;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.function.LongSupplier;
import java.util.function.UnaryOperator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Talks to the router-service replicas. Requests are spread round-robin over routers not recently seen failing;
 * a connection-level failure (refused, reset, timeout) or a 5xx answer moves on to the next router. The answer
 * then used is final: 503 → "no worker available", other errors → 502. When every router fails at the connection level the future fails
 * with {@link RouterUnavailableException}.
 */
public final class RouterClient {

  private static final Logger LOG = LoggerFactory.getLogger(RouterClient.class);
  private static final CharSequence APPLICATION_JSON = HttpHeaders.createOptimized("application/json");
  private static final long DOWN_FOR_NANOS = 2_000_000_000L;

  /** A router's HTTP answer. */
  record Reply(int status, Buffer body, String routerUrl) {
  }

  private final HttpClient client;
  private final List<String> urls;
  private final long timeoutMs;
  private final GatewayMetrics metrics;
  private final LongSupplier nanoClock;
  private final AtomicInteger next = new AtomicInteger();
  private final AtomicInteger lifecycleCalls = new AtomicInteger();
  /** Per router: nanoTime until which it is considered down (0 = up). */
  private final AtomicLongArray downUntil;
  private volatile int routerBlockSize;

  public RouterClient(HttpClient client, List<String> urls, Duration timeout, GatewayMetrics metrics,
      LongSupplier nanoClock) {
    this.client = client;
    this.urls = List.copyOf(urls);
    this.timeoutMs = timeout.toMillis();
    this.metrics = metrics;
    this.nanoClock = nanoClock;
    this.downUntil = new AtomicLongArray(urls.size());
  }

  /** Routes one attempt; {@code body} is the /v1/route request JSON for {@code requestId}. */
  public Future<RouteResult> route(String requestId, Buffer body) {
    long start = System.nanoTime();
    return callAny(HttpMethod.POST, "/v1/route", body, requestId)
        .andThen(ar -> metrics.routerLatency(System.nanoTime() - start, ar.succeeded()))
        .map(reply -> {
          if (reply.status() == 503) {
            throw ApiError.unavailable("No worker available", "no_worker_available");
          }
          if (reply.status() / 100 != 2) {
            LOG.warn("event=route_rejected router={} status={} body={}", reply.routerUrl(), reply.status(),
                abbreviate(reply.body()));
            throw ApiError.badGateway("Router rejected the request (HTTP " + reply.status() + ")");
          }
          JsonObject r;
          try {
            r = reply.body().toJsonObject();
          } catch (RuntimeException e) {
            throw ApiError.badGateway("Router answered malformed JSON");
          }
          String url = r.getString("url");
          Object wid = r.getValue("worker_id");
          if (url == null || wid == null) {
            throw ApiError.badGateway("Router answer lacks worker_id or url");
          }
          return new RouteResult(requestId, String.valueOf(wid), r.getInteger("dp_rank", 0), trimSlash(url),
              r.getInteger("overlap_blocks", 0), r.getInteger("cached_tokens", 0), reply.routerUrl());
        });
  }

  /**
   * Tells the booking router that prefill is done (best effort, logged on failure, counted by outcome). The future
   * completes (never fails) once the router answered or could not be reached: a release of the same booking waits
   * for it, so the release cannot overtake the notice on another pooled connection.
   */
  public Future<Void> firstToken(RouteResult route) {
    if (route.fallback()) {
      return Future.succeededFuture();
    }
    return lifecycle(callPreferring(route.routerUrl(), HttpMethod.POST,
        "/v1/requests/" + route.requestId() + "/first_token", null), call -> call
        .onSuccess(r -> {
          String outcome = r.status() / 100 == 2 ? "ok" : r.status() == 404 ? "not_active" : "error";
          metrics.lifecycle("first_token", outcome);
          if (!"ok".equals(outcome)) {
            LOG.warn("event=first_token_rejected request_id={} status={}", route.requestId(), r.status());
          }
        })
        .onFailure(e -> {
          metrics.lifecycle("first_token", "error");
          LOG.warn("event=first_token_failed request_id={} error={}", route.requestId(), e.getMessage());
        }))
        .<Void>mapEmpty()
        .otherwiseEmpty();
  }

  /** Releases the booking of one attempt (best effort, logged on failure, counted by outcome). */
  public void release(RouteResult route) {
    if (route.fallback()) {
      return;
    }
    lifecycle(callPreferring(route.routerUrl(), HttpMethod.DELETE, "/v1/requests/" + route.requestId(), null),
        call -> call.onSuccess(r -> {
          if (r.status() == 404 || r.status() / 100 == 2 && !releasedFlag(r.body())) {
            metrics.lifecycle("release", "not_active");
          } else if (r.status() / 100 == 2) {
            metrics.lifecycle("release", "ok");
          } else {
            metrics.lifecycle("release", "error");
            LOG.warn("event=release_rejected request_id={} status={}", route.requestId(), r.status());
          }
        })
        .onFailure(e -> {
          metrics.lifecycle("release", "error");
          LOG.warn("event=release_failed request_id={} error={}", route.requestId(), e.getMessage());
        }));
  }

  /**
   * Counts a first-token notice or release as in flight until the router answered or could not be reached and
   * {@code outcome}'s handlers (which record it) ran: whoever sees no call in flight sees every outcome counted.
   */
  private <T> Future<T> lifecycle(Future<T> call, UnaryOperator<Future<T>> outcome) {
    lifecycleCalls.incrementAndGet();
    return outcome.apply(call).onComplete(ar -> lifecycleCalls.decrementAndGet());
  }

  /** First-token notices and releases sent and not yet answered (or failed). */
  public int lifecycleCallsInFlight() {
    return lifecycleCalls.get();
  }

  /**
   * Completes once no first-token notice or release is in flight, or after {@code maxWait}: a gateway shutting down
   * closes its router connections only after the routers heard about every request that ended, instead of leaving
   * their bookings to expire.
   */
  public Future<Void> drain(Vertx vertx, Duration maxWait) {
    Promise<Void> drained = Promise.promise();
    long deadline = nanoClock.getAsLong() + maxWait.toNanos();
    pollDrained(vertx, deadline, drained);
    return drained.future();
  }

  private void pollDrained(Vertx vertx, long deadline, Promise<Void> drained) {
    if (lifecycleCalls.get() == 0) {
      drained.complete();
    } else if (nanoClock.getAsLong() - deadline >= 0) {
      LOG.warn("event=router_calls_abandoned_at_shutdown in_flight={}", lifecycleCalls.get());
      drained.complete();
    } else {
      vertx.setTimer(5, id -> pollDrained(vertx, deadline, drained));
    }
  }

  /** The router's {@code "released"} answer (true when the booking was active); false if absent or unreadable. */
  static boolean releasedFlag(Buffer body) {
    try {
      return body != null && body.length() > 0 && Boolean.TRUE.equals(new JsonObject(body).getValue("released"));
    } catch (RuntimeException e) {
      return false;
    }
  }

  /** GET /v1/workers from any router: the raw worker list (array, or an object's "workers" array). */
  public Future<JsonArray> workers() {
    return callAny(HttpMethod.GET, "/v1/workers", null).map(reply -> {
      if (reply.status() / 100 != 2) {
        throw new IllegalStateException("GET /v1/workers answered " + reply.status());
      }
      Object v = io.vertx.core.json.Json.decodeValue(reply.body());
      if (v instanceof JsonArray a) {
        return a;
      }
      if (v instanceof JsonObject o && o.getValue("workers") instanceof JsonArray a) {
        if (o.getValue("block_size") instanceof Number b) {
          routerBlockSize = b.intValue();
        }
        return a;
      }
      throw new IllegalStateException("GET /v1/workers: unexpected body");
    });
  }

  /** Probes every router's /health, updating which are considered up; succeeds with the number up. */
  public Future<Integer> probe() {
    List<Future<Boolean>> checks = new java.util.ArrayList<>(urls.size());
    for (int i = 0; i < urls.size(); i++) {
      int idx = i;
      checks.add(call(urls.get(i), HttpMethod.GET, "/health", null)
          .map(r -> r.status() / 100 == 2)
          .otherwise(false)
          .andThen(ar -> {
            if (ar.result()) {
              downUntil.set(idx, 0);
            } else {
              markDown(idx);
            }
          }));
    }
    return Future.join(checks).map(cf -> {
      int up = 0;
      for (int i = 0; i < checks.size(); i++) {
        if (Boolean.TRUE.equals(checks.get(i).result())) {
          up++;
        }
      }
      return up;
    });
  }

  /** Block size the routers last reported in GET /v1/workers (0 = not known yet). */
  public int routerBlockSize() {
    return routerBlockSize;
  }

  /** Whether at least one router is not marked down. */
  public boolean anyUp() {
    long now = nanoClock.getAsLong();
    for (int i = 0; i < urls.size(); i++) {
      if (isUp(i, now)) {
        return true;
      }
    }
    return false;
  }

  private Future<Reply> callAny(HttpMethod method, String path, Buffer body) {
    return callAny(method, path, body, null);
  }

  /**
   * {@code bookingId}: for {@code /v1/route}, the request id a router may have booked before its answer was lost
   * (timeout, reset); such a router is told to release it, so a booking never outlives a failed call.
   */
  private Future<Reply> callAny(HttpMethod method, String path, Buffer body, String bookingId) {
    int n = urls.size();
    int start = Math.floorMod(next.getAndIncrement(), n);
    long now = nanoClock.getAsLong();
    // Healthy routers first (in rotation order), then the ones marked down, in case they came back.
    int[] order = new int[n];
    int k = 0;
    for (int i = 0; i < n; i++) {
      int idx = (start + i) % n;
      if (isUp(idx, now)) {
        order[k++] = idx;
      }
    }
    for (int i = 0; i < n; i++) {
      int idx = (start + i) % n;
      if (!isUp(idx, now)) {
        order[k++] = idx;
      }
    }
    return attempt(order, 0, method, path, body, bookingId, null);
  }

  private Future<Reply> callPreferring(String preferred, HttpMethod method, String path, Buffer body) {
    int idx = urls.indexOf(preferred);
    if (idx < 0) {
      return callAny(method, path, body);
    }
    int n = urls.size();
    int[] order = new int[n];
    for (int i = 0; i < n; i++) {
      order[i] = (idx + i) % n;
    }
    return attempt(order, 0, method, path, body, null, null);
  }

  private Future<Reply> attempt(int[] order, int i, HttpMethod method, String path, Buffer body, String bookingId,
      Throwable last) {
    if (i >= order.length) {
      return Future.failedFuture(new RouterUnavailableException("no router reachable: "
          + (last == null ? "none configured" : last.getMessage())));
    }
    int idx = order[i];
    String base = urls.get(idx);
    return call(base, method, path, body)
        .andThen(ar -> {
          if (ar.succeeded() && ar.result().status() < 500) {
            downUntil.set(idx, 0);
          }
        })
        .compose(reply -> {
          // A replica answering 5xx (e.g. 503 while it has no eligible worker in its view) may be alone in its
          // trouble: ask the next one; if none does better, this answer stands.
          if (reply.status() < 500 || i + 1 >= order.length) {
            return Future.succeededFuture(reply);
          }
          metrics.routerError(base);
          LOG.warn("event=router_error router={} path={} status={} action=next_router", base, path, reply.status());
          return attempt(order, i + 1, method, path, body, bookingId, null)
              .map(next -> next.status() < 500 ? next : reply)
              .otherwise(reply);
        })
        .recover(err -> {
          markDown(idx);
          metrics.routerError(base);
          LOG.warn("event=router_unreachable router={} path={} error={}", base, path, err.getMessage());
          if (bookingId != null) {
            releaseAbandoned(base, bookingId);
          }
          return attempt(order, i + 1, method, path, body, bookingId, err);
        });
  }

  private void releaseAbandoned(String base, String bookingId) {
    lifecycle(call(base, HttpMethod.DELETE, "/v1/requests/" + bookingId, null), call -> call
        .onSuccess(r -> LOG.info("event=abandoned_booking_released router={} request_id={} status={}", base,
            bookingId, r.status()))
        .onFailure(e -> LOG.warn("event=abandoned_booking_release_failed router={} request_id={} error={}", base,
            bookingId, e.getMessage())));
  }

  private Future<Reply> call(String base, HttpMethod method, String path, Buffer body) {
    RequestOptions opts = HttpTarget.options(base, method, path)
        .setConnectTimeout(timeoutMs)
        .setTimeout(timeoutMs);
    return client.request(opts).compose(req -> {
      if (body != null) {
        req.putHeader(HttpHeaders.CONTENT_TYPE, APPLICATION_JSON);
        return req.send(body);
      }
      return req.send();
    }).compose(resp -> {
      return resp.body().map(b -> new Reply(resp.statusCode(), b, base));
    });
  }

  private boolean isUp(int idx, long now) {
    long until = downUntil.get(idx);
    return until == 0 || until - now < 0;
  }

  private void markDown(int idx) {
    long until = nanoClock.getAsLong() + DOWN_FOR_NANOS;
    downUntil.set(idx, until == 0 ? 1 : until);
  }

  private static String trimSlash(String url) {
    return url.endsWith("/") ? url.substring(0, url.length() - 1) : url;
  }

  private static String abbreviate(Buffer b) {
    String s = b.toString();
    return s.length() > 200 ? s.substring(0, 200) + "..." : s;
  }
}

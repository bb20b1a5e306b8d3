package io.kvroute.router.http;

import static io.kvroute.router.TestSupport.await;
import static io.kvroute.router.TestSupport.delete;
import static io.kvroute.router.TestSupport.freePort;
import static io.kvroute.router.TestSupport.get;
import static io.kvroute.router.TestSupport.post;
import static org.assertj.core.api.Assertions.assertThat;

import io.kvroute.router.RouterConfig;
import io.kvroute.router.RouterVerticle;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Bad input and reference-compatible shapes of the HTTP API; one static worker with no agent reachable. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class HttpApiErrorsTest {

  private static Vertx vertx;
  private static int port;

  @BeforeAll
  static void start() throws Exception {
    vertx = Vertx.vertx();
    int base = freePort();
    RouterConfig config = RouterConfig.from(RouterConfig.options().parse(new String[] {"--router-port", "0",
        "--host", "127.0.0.1", "--http-instances", "1", "--max-body-bytes", "4096", "--num-workers", "1",
        "--base-kv-events-port", Integer.toString(base), "--base-metrics-port", Integer.toString(base),
        "--base-agent-port", Integer.toString(base), "--worker-ttl", "60s"}, Map.of()));
    RouterVerticle router = new RouterVerticle(config);
    vertx.deployVerticle(router).await();
    port = router.actualPort();
  }

  @AfterAll
  static void stop() {
    vertx.close().await();
  }

  private static JsonObject error(HttpResponse<String> r) {
    return new JsonObject(r.body()).getJsonObject("error");
  }

  @Test
  void shouldAnswerMalformedJsonWith400() {
    HttpResponse<String> r = post(port, "/v1/route", "{\"local_hashes\":[1,2");
    assertThat(r.statusCode()).isEqualTo(400);
    assertThat(r.headers().firstValue("content-type")).hasValue("application/json");
    assertThat(error(r).getString("type")).isEqualTo("invalid_request_error");
    assertThat(error(r).getString("code")).isEqualTo("invalid_json");
    assertThat(post(port, "/v1/route", "[]").statusCode()).isEqualTo(400);
    assertThat(post(port, "/v1/route", "{\"request_id\":\"x\"}").statusCode()).isEqualTo(400);
    assertThat(error(post(port, "/v1/route", "{\"local_hashes\":[1],\"num_tokens\":0}")).getString("code"))
        .isEqualTo("invalid_num_tokens");
    assertThat(error(post(port, "/v1/route", "{\"local_hashes\":[1],\"policy\":\"best\"}")).getString("code"))
        .isEqualTo("invalid_policy");
    assertThat(error(post(port, "/v1/route", "{\"local_hashes\":[1],\"num_tokens\":16,\"block_size\":16}"))
        .getString("code")).isEqualTo("block_size_mismatch");
    assertThat(post(port, "/v1/workers", "{\"worker_id\":\"w\"}").statusCode()).isEqualTo(400);
    assertThat(post(port, "/v1/workers", "{\"worker_id\":5,\"block_size\":32}").statusCode()).isEqualTo(400);
    assertThat(post(port, "/v1/workers", "nope").statusCode()).isEqualTo(400);
    assertThat(post(port, "/v1/score", "{").statusCode()).isEqualTo(400);
    assertThat(post(port, "/debug/hash", "{\"tokens\":\"abc\"}").statusCode()).isEqualTo(400);
  }

  @Test
  void shouldKeepTheReferenceShapesOnReferenceEndpoints() {
    HttpResponse<String> r = post(port, "/find_best_worker", "{\"local_hashes\":[1],\"num_tokens\":0}");
    assertThat(r.statusCode()).isEqualTo(400);
    assertThat(new JsonObject(r.body()).getString("detail")).isEqualTo("num_tokens must be positive");
    assertThat(new JsonObject(post(port, "/find_best_worker", "{oops").body()).containsKey("detail")).isTrue();
    HttpResponse<String> none = post(port, "/find_best_worker",
        "{\"local_hashes\":[1],\"num_tokens\":32,\"exclude\":[\"worker-0\"]}");
    assertThat(none.statusCode()).isEqualTo(503);
    assertThat(new JsonObject(none.body()).getString("detail")).isNotBlank();
    assertThat(none.headers().firstValue("Retry-After")).isPresent();
  }

  @Test
  void shouldInjectEventsAndMatchThemLikeTheReference() {
    HttpResponse<String> inj = post(port, "/debug/inject_event", "{\"worker_id\":0,\"tokens_hash\":"
        + "18446744073709551557}");
    assertThat(inj.statusCode()).isEqualTo(200);
    assertThat(new JsonObject(inj.body()).getString("status")).isEqualTo("ok");
    await("injected", Duration.ofSeconds(10), () -> new JsonObject(post(port, "/find_best_worker",
        "{\"local_hashes\":[18446744073709551557],\"num_tokens\":32}").body()).getInteger("matched_blocks") == 1);
    JsonObject best = new JsonObject(post(port, "/find_best_worker",
        "{\"local_hashes\":[\"18446744073709551557\"],\"num_tokens\":64}").body());
    assertThat(best.getString("worker_id")).isEqualTo("worker-0");
    assertThat(best.getDouble("overlap")).isEqualTo(0.5);
    JsonObject info = new JsonObject(get(port, "/debug/tree_info").body());
    assertThat(info.getLong("num_blocks")).isGreaterThanOrEqualTo(1L);
    assertThat(info.getJsonArray("events").encode()).contains("18446744073709551557");
    assertThat(post(port, "/debug/inject_event", "{\"worker_id\":0}").statusCode()).isEqualTo(400);
  }

  @Test
  void shouldRefuseOversizeBodies() {
    String big = "{\"local_hashes\":[" + "1,".repeat(4000) + "1],\"num_tokens\":5}";
    HttpResponse<String> r = post(port, "/v1/route", big);
    assertThat(r.statusCode()).isEqualTo(413);
    assertThat(error(r).getString("code")).isEqualTo("body_too_large");
  }

  @Test
  void shouldHandleUnknownRequestIdsAndRoutes() {
    assertThat(post(port, "/v1/requests/nope/first_token", "").statusCode()).isEqualTo(404);
    // the fast path (plain ids) and the web router (escaped ids) answer alike
    assertThat(error(post(port, "/v1/requests/nope/first_token", "")).getString("code")).isEqualTo("request_not_found");
    assertThat(error(post(port, "/v1/requests/n%6Fpe/first_token", "")).getString("code"))
        .isEqualTo("request_not_found");
    assertThat(new JsonObject(delete(port, "/v1/requests/n%6Fpe").body()).getBoolean("released")).isFalse();
    HttpResponse<String> del = delete(port, "/v1/requests/nope");
    assertThat(del.statusCode()).isEqualTo(200);
    assertThat(new JsonObject(del.body()).getBoolean("released")).isFalse();
    HttpResponse<String> missing = get(port, "/v1/nothing");
    assertThat(missing.statusCode()).isEqualTo(404);
    assertThat(error(missing).getString("code")).isEqualTo("not_found");
    assertThat(get(port, "/v1/workers/ghost").statusCode()).isEqualTo(404);
    assertThat(post(port, "/v1/workers/ghost/drain", "").statusCode()).isEqualTo(404);
  }

  @Test
  void shouldHashTokensLikeTheGoldenVectors() {
    JsonObject h = new JsonObject(post(port, "/debug/hash", "{\"tokens\":[0,1,2,3,4,5,6,7],\"block_size\":4}")
        .body());
    assertThat(h.getJsonArray("local_hashes").getList()).containsExactly("9143094415614847814",
        "12124091508212882195");
    assertThat(h.getJsonArray("sequence_hashes").getList()).containsExactly("9143094415614847814",
        "9510318385840434533");
    JsonObject salted = new JsonObject(post(port, "/debug/hash",
        "{\"tokens\":[0,1,2,3],\"block_size\":4,\"cache_salt\":\"tenant-a\"}").body());
    assertThat(salted.getJsonArray("local_hashes").getList()).containsExactly("17009624042690211646");
    assertThat(salted.getString("seed")).isEqualTo("1948188790972764086");
  }

  @Test
  void shouldReportNotReadyWhileTheStaticWorkerHasNoSnapshot() {
    HttpResponse<String> ready = get(port, "/ready");
    assertThat(ready.statusCode()).isEqualTo(503);
    assertThat(new JsonObject(ready.body()).getBoolean("ready")).isFalse();
    assertThat(get(port, "/health").statusCode()).isEqualTo(200);
    String metrics = get(port, "/metrics").body();
    assertThat(metrics).contains("kvroute_router_snapshot_loads_total{outcome=\"failed\",worker=\"worker-0\"}");
    assertThat(metrics).contains("kvroute_router_worker_state{state=\"up\",worker=\"worker-0\"} 1.0");
  }
}

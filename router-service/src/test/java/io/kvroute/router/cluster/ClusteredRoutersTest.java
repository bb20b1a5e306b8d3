package io.kvroute.router.cluster;

import static io.kvroute.router.TestSupport.await;
import static io.kvroute.router.TestSupport.delete;
import static io.kvroute.router.TestSupport.freePort;
import static io.kvroute.router.TestSupport.get;
import static io.kvroute.router.TestSupport.post;
import static org.assertj.core.api.Assertions.assertThat;

import io.kvroute.router.RouterConfig;
import io.kvroute.router.RouterVerticle;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;

/**
 * Two router replicas in one Hazelcast cluster on loopback (a third joins late), without agents: workers are
 * registered over HTTP without an agent URL (nothing to bootstrap), which isolates the shared registry, drain flags
 * and load deltas from the ZMQ side.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ClusteredRoutersTest {

  private static final Duration WAIT = Duration.ofSeconds(20);
  private static final List<Vertx> vertxes = new ArrayList<>();
  private static final List<RouterVerticle> routers = new ArrayList<>();
  private static final List<Integer> hzPorts = new ArrayList<>();

  @BeforeAll
  static void startTwo() throws Exception {
    hzPorts.add(freePort());
    hzPorts.add(freePort());
    hzPorts.add(freePort());
    start("a");
    start("b");
    await("two members", WAIT, () -> routers.get(0).cluster().members() == 2
        && routers.get(1).cluster().members() == 2);
  }

  @AfterAll
  static void stopAll() throws Exception {
    for (Vertx v : vertxes) {
      v.close().await(20, TimeUnit.SECONDS);
    }
  }

  static RouterVerticle start(String replica) throws Exception {
    int idx = routers.size();
    String members = String.join(",", hzPorts.stream().map(p -> "127.0.0.1:" + p).toList());
    RouterConfig rc = RouterConfig.from(RouterConfig.options().parse(new String[] {"--router-port", "0", "--host",
        "127.0.0.1", "--http-instances", "1", "--block-size", "4", "--cluster", "--cluster-host", "127.0.0.1",
        "--cluster-port", Integer.toString(hzPorts.get(idx)), "--cluster-members", members, "--cluster-name",
        "test-" + hzPorts.get(0), "--replica-id", replica,
        // A worker whose agent never answers stays bootstrapping here (not live-only): readiness gating is tested.
        "--live-only-after", "1000000"}, Map.of()));
    Vertx v = Vertx.vertx();
    RouterVerticle r = new RouterVerticle(rc);
    v.deployVerticle(r).await(60, TimeUnit.SECONDS);
    vertxes.add(v);
    routers.add(r);
    return r;
  }

  private static int port(int i) {
    return routers.get(i).actualPort();
  }

  private static JsonObject worker(int router, String id) {
    JsonArray arr = new JsonObject(get(port(router), "/v1/workers").body()).getJsonArray("workers");
    for (Object o : arr) {
      if (id.equals(((JsonObject) o).getString("worker_id"))) {
        return (JsonObject) o;
      }
    }
    return null;
  }

  private static void register(int router, String id) {
    String body = new JsonObject().put("worker_id", id).put("block_size", 4).encode();
    assertThat(post(port(router), "/v1/workers", body).statusCode()).isIn(200, 201);
  }

  @Test
  @Order(1)
  void shouldShareRegistrationsAndHeartbeatsAcrossReplicas() {
    register(0, "w-a");
    register(1, "w-b");
    await("b knows w-a", WAIT, () -> worker(1, "w-a") != null);
    await("a knows w-b", WAIT, () -> worker(0, "w-b") != null);
    assertThat(worker(1, "w-a").getString("state")).isEqualTo("up");
    assertThat(worker(1, "w-a").getString("source")).isEqualTo("registered");
    assertThat(get(port(1), "/ready").statusCode()).isEqualTo(200);
  }

  @Test
  @Order(2)
  void shouldShareDrainFlagsBothWays() {
    assertThat(post(port(1), "/v1/workers/w-a/drain", "{\"draining\":true}").statusCode()).isEqualTo(200);
    await("a sees w-a draining", WAIT, () -> worker(0, "w-a").getBoolean("draining"));
    assertThat(worker(0, "w-a").getBoolean("eligible")).isFalse();
    assertThat(post(port(0), "/v1/workers/w-a/drain", "{\"draining\":false}").statusCode()).isEqualTo(200);
    await("b sees w-a undrained", WAIT, () -> !worker(1, "w-a").getBoolean("draining"));
  }

  @Test
  @Order(3)
  void shouldMirrorActiveLoadAndReturnToZeroAfterRelease() {
    String route = new JsonObject().put("request_id", "req-1").put("local_hashes", new JsonArray().add(1).add(2))
        .put("num_tokens", 8).encode();
    JsonObject d = new JsonObject(post(port(0), "/v1/route", route).body());
    String chosen = d.getString("worker_id");
    await("b sees the booking", WAIT, () -> worker(1, chosen).getInteger("active_requests") == 1);
    assertThat(worker(1, chosen).getLong("prefill_tokens")).isEqualTo(8);

    assertThat(post(port(0), "/v1/requests/req-1/first_token", "").statusCode()).isEqualTo(200);
    await("b sees prefill done", WAIT, () -> worker(1, chosen).getLong("prefill_tokens") == 0);
    // The release reaches the other replica (e.g. the gateway failed over): both views empty.
    assertThat(delete(port(1), "/v1/requests/req-1").statusCode()).isEqualTo(200);
    await("a sees the release", WAIT, () -> worker(0, chosen).getInteger("active_requests") == 0);
    assertThat(worker(1, chosen).getInteger("active_requests")).isZero();
  }

  @Test
  @Order(4)
  void shouldRouteAroundTheLoadAnotherReplicaBookedSoReplicasDoNotHerd() {
    // Replica a books 4 requests on w-a (w-b drained meanwhile). Replica b then routes 4 more: it sees a's bookings,
    // so all 4 go to the idle w-b (4/4 overall). Without the mirrored load b would see two idle workers and split
    // its 4 as 2/2: 6/2 overall, the herding this prevents.
    assertThat(post(port(0), "/v1/workers/w-b/drain", "{\"draining\":true}").statusCode()).isEqualTo(200);
    await("b sees w-b drained", WAIT, () -> worker(1, "w-b").getBoolean("draining"));
    for (int i = 0; i < 4; i++) {
      assertThat(routeVia(0, "herd-" + i, i)).isEqualTo("w-a");
    }
    await("b sees a's 4 bookings", WAIT, () -> worker(1, "w-a").getInteger("active_requests") == 4);
    assertThat(post(port(0), "/v1/workers/w-b/drain", "{\"draining\":false}").statusCode()).isEqualTo(200);
    await("b sees w-b eligible again", WAIT, () -> worker(1, "w-b").getBoolean("eligible"));
    for (int i = 4; i < 8; i++) {
      assertThat(routeVia(1, "herd-" + i, i)).as("request %d through replica b", i).isEqualTo("w-b");
    }
    await("a sees b's 4 bookings", WAIT, () -> worker(0, "w-b").getInteger("active_requests") == 4);
    for (int i = 0; i < 8; i++) {
      assertThat(delete(port(1 - i / 4), "/v1/requests/herd-" + i).statusCode()).isEqualTo(200);
    }
    await("all released everywhere", WAIT, () -> active(0) == 0 && active(1) == 0);
  }

  /** Routes a request of 16 distinct blocks (nothing cached anywhere) through replica {@code router}. */
  private static String routeVia(int router, String requestId, int i) {
    JsonArray hashes = new JsonArray();
    for (int b = 0; b < 16; b++) {
      hashes.add(1000 + 16 * i + b);
    }
    String body = new JsonObject().put("request_id", requestId).put("local_hashes", hashes).put("num_tokens", 64)
        .encode();
    return new JsonObject(post(port(router), "/v1/route", body).body()).getString("worker_id");
  }

  private static int active(int router) {
    return worker(router, "w-a").getInteger("active_requests") + worker(router, "w-b").getInteger("active_requests");
  }

  @Test
  @Order(5)
  void shouldLetALateReplicaLearnTheWorkersAndExposeClusterMetrics() throws Exception {
    // A worker with an agent whose snapshot cannot be loaded: no replica can bootstrap it.
    int dead = freePort();
    String body = new JsonObject().put("worker_id", "w-dead").put("block_size", 4)
        .put("url", "http://127.0.0.1:" + dead).put("events_endpoint", "tcp://127.0.0.1:" + dead).encode();
    assertThat(post(port(0), "/v1/workers", body).statusCode()).isEqualTo(201);
    start("c");
    assertThat(worker(2, "w-a")).isNotNull();
    assertThat(worker(2, "w-b")).isNotNull();
    assertThat(worker(2, "w-dead").getBoolean("bootstrapped")).isFalse();
    assertThat(get(port(2), "/ready").statusCode()).as("not ready before every known worker is bootstrapped")
        .isEqualTo(503);
    assertThat(delete(port(1), "/v1/workers/w-dead").statusCode()).isEqualTo(200);
    await("late replica ready once the unbootstrappable worker is gone", WAIT,
        () -> get(port(2), "/ready").statusCode() == 200);
    await("three members", WAIT, () -> routers.get(0).cluster().members() == 3);
    String metrics = get(port(0), "/metrics").body();
    assertThat(metrics).contains("kvroute_router_cluster_members 3.0");
    assertThat(metrics).contains("kvroute_router_cluster_deltas_sent_total{kind=\"booked\"}");
    assertThat(get(port(1), "/metrics").body()).contains("kvroute_router_cluster_deltas_applied_total{kind=\"booked\"}")
        .contains("kvroute_router_cluster_replica_lag_seconds_count");
  }

  @Test
  @Order(6)
  void shouldShareRemovals() {
    assertThat(delete(port(2), "/v1/workers/w-b").statusCode()).isEqualTo(200);
    await("a forgets w-b", WAIT, () -> worker(0, "w-b") == null);
    await("b forgets w-b", WAIT, () -> worker(1, "w-b") == null);
  }
}

package io.kvroute.router.cluster;

import static io.kvroute.router.TestSupport.await;
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
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The shared registry is TTL-based, and the cluster name separates clusters: two replicas with a 2 s worker TTL on
 * loopback, and a third router with another cluster name listing the same members.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class SharedRegistryTtlTest {

  private static final Duration WAIT = Duration.ofSeconds(20);
  private static final long TTL_MILLIS = 2_000;
  private static final List<Vertx> vertxes = new ArrayList<>();
  private static final List<Integer> hzPorts = new ArrayList<>();
  private static RouterVerticle a;
  private static RouterVerticle b;

  @BeforeAll
  static void startTwo() throws Exception {
    hzPorts.add(freePort());
    hzPorts.add(freePort());
    a = start("a", "ttl-" + hzPorts.get(0), hzPorts.get(0));
    b = start("b", "ttl-" + hzPorts.get(0), hzPorts.get(1));
    await("two members", WAIT, () -> a.cluster().members() == 2 && b.cluster().members() == 2);
  }

  @AfterAll
  static void stopAll() throws Exception {
    for (Vertx v : vertxes) {
      v.close().await(20, TimeUnit.SECONDS);
    }
  }

  private static RouterVerticle start(String replica, String clusterName, int hzPort) throws Exception {
    String members = String.join(",", hzPorts.stream().map(p -> "127.0.0.1:" + p).toList());
    RouterConfig rc = RouterConfig.from(RouterConfig.options().parse(new String[] {"--router-port", "0", "--host",
        "127.0.0.1", "--http-instances", "1", "--block-size", "4", "--worker-ttl", TTL_MILLIS + "ms",
        "--down-grace", "60s", "--cluster", "--cluster-host", "127.0.0.1", "--cluster-port", Integer.toString(hzPort),
        "--cluster-members", members, "--cluster-name", clusterName, "--replica-id", replica}, Map.of()));
    Vertx v = Vertx.vertx();
    RouterVerticle r = new RouterVerticle(rc);
    vertxes.add(v);
    v.deployVerticle(r).await(60, TimeUnit.SECONDS);
    return r;
  }

  private static String state(RouterVerticle router, String id) {
    JsonArray arr = new JsonObject(get(router.actualPort(), "/v1/workers").body()).getJsonArray("workers");
    for (Object o : arr) {
      if (id.equals(((JsonObject) o).getString("worker_id"))) {
        return ((JsonObject) o).getString("state");
      }
    }
    return "absent";
  }

  private static int register(RouterVerticle router, String id) {
    return post(router.actualPort(), "/v1/workers", new JsonObject().put("worker_id", id).put("block_size", 4)
        .encode()).statusCode();
  }

  @Test
  void shouldKeepAWorkerHeartbeatingOneReplicaUpOnEveryReplicaAndLetSilenceTakeItDownEverywhere()
      throws Exception {
    assertThat(register(a, "w-hb")).isIn(200, 201);
    await("b learns w-hb", WAIT, () -> "up".equals(state(b, "w-hb")));
    // Heartbeats (re-registrations, as agents send every 2 s) reach replica a only, for two TTLs.
    AtomicBoolean beating = new AtomicBoolean(true);
    Thread heart = new Thread(() -> {
      while (beating.get()) {
        register(a, "w-hb");
        try {
          Thread.sleep(TTL_MILLIS / 8);
        } catch (InterruptedException e) {
          return;
        }
      }
    }, "test-heartbeats");
    heart.start();
    try {
      Thread.sleep(2 * TTL_MILLIS);
      // Without shared heartbeats b would have marked w-hb down after one TTL and never seen it again.
      await("b keeps w-hb up while a hears its heartbeats", WAIT,
          () -> "up".equals(state(b, "w-hb")) && "up".equals(state(a, "w-hb")));
    } finally {
      beating.set(false);
      heart.join(10_000);
    }
    await("silence: a marks w-hb down", WAIT, () -> "down".equals(state(a, "w-hb")));
    await("silence: b marks w-hb down", WAIT, () -> "down".equals(state(b, "w-hb")));
  }

  @Test
  void shouldNeverJoinARouterWithAnotherClusterName() throws Exception {
    int strangerPort = freePort();
    RouterVerticle stranger = start("stranger", "other-" + strangerPort, strangerPort);
    assertThat(stranger.cluster().members()).isEqualTo(1);
    assertThat(a.cluster().members()).isEqualTo(2);
    assertThat(b.cluster().members()).isEqualTo(2);
    assertThat(register(stranger, "w-stranger")).isEqualTo(201);
    assertThat(register(a, "w-member")).isIn(200, 201);
    await("b learns a's worker", WAIT, () -> "up".equals(state(b, "w-member")));
    assertThat(state(b, "w-stranger")).isEqualTo("absent");
    assertThat(state(stranger, "w-member")).isEqualTo("absent");
    assertThat(b.cluster().members()).isEqualTo(2);
  }
}

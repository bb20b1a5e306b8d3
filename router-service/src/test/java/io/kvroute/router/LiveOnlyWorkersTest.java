package io.kvroute.router;

import static io.kvroute.router.TestSupport.await;
import static io.kvroute.router.TestSupport.freePort;
import static io.kvroute.router.TestSupport.get;
import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Reference-mode static workers without an agent: a worker with no {@code url=} is live-only from the start; a
 * worker whose agent URL never answers becomes live-only after the first failed snapshots, and the router is ready.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class LiveOnlyWorkersTest {

  private static final Duration WAIT = Duration.ofSeconds(15);
  private Vertx vertx;

  @AfterEach
  void stop() {
    vertx.close().await();
  }

  private static String indexState(int port, String id) {
    JsonObject body = new JsonObject(get(port, "/v1/workers").body());
    JsonArray workers = body.getJsonArray("workers");
    for (int i = 0; i < workers.size(); i++) {
      if (id.equals(workers.getJsonObject(i).getString("worker_id"))) {
        return workers.getJsonObject(i).getString("index_state");
      }
    }
    return null;
  }

  @Test
  void shouldServeWorkersWithoutAReachableAgentLiveOnlyAndBeReady() throws Exception {
    vertx = Vertx.vertx();
    int base = freePort();
    int rawEvents = freePort();
    RouterConfig config = RouterConfig.from(RouterConfig.options().parse(new String[] {"--router-port", "0",
        "--host", "127.0.0.1", "--http-instances", "1", "--num-workers", "1", "--worker-ttl", "60s",
        "--base-kv-events-port", Integer.toString(base), "--base-metrics-port", Integer.toString(base),
        "--base-agent-port", Integer.toString(base), "--live-only-after", "2", "--live-only-retry", "30s",
        "--worker", "id=raw,events=tcp://127.0.0.1:" + rawEvents}, Map.of()));
    RouterVerticle router = new RouterVerticle(config);
    vertx.deployVerticle(router).await();
    int port = router.actualPort();
    assertThat(indexState(port, "raw")).isEqualTo("live_only");
    await("worker-0 live-only", WAIT, () -> "live_only".equals(indexState(port, "worker-0")));
    assertThat(get(port, "/ready").statusCode()).isEqualTo(200);
    assertThat(router.registry().get("worker-0").orElseThrow().bootstrapped()).isFalse();
    String metrics = get(port, "/metrics").body();
    assertThat(metrics).contains("kvroute_router_worker_index_state{state=\"live_only\",worker=\"worker-0\"} 1.0")
        .contains("kvroute_router_worker_index_state{state=\"live_only\",worker=\"raw\"} 1.0")
        .contains("kvroute_router_worker_index_state{state=\"bootstrapping\",worker=\"worker-0\"} 0.0");
  }
}

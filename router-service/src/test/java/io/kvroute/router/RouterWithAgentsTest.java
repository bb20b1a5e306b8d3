package io.kvroute.router;

import static io.kvroute.router.TestSupport.await;
import static io.kvroute.router.TestSupport.get;
import static io.kvroute.router.TestSupport.post;
import static org.assertj.core.api.Assertions.assertThat;

import io.kvroute.agent.Agent;
import io.kvroute.agent.AgentConfig;
import io.kvroute.agent.sim.SimConfig;
import io.kvroute.common.codec.RecoveryJson;
import io.kvroute.common.event.KvEvent;
import io.kvroute.common.event.KvEventBatch;
import io.kvroute.common.hash.BlockHasher;
import io.kvroute.router.core.Target;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * End to end on loopback: the router plus two real worker agents with simulated engines, registered by themselves.
 * A prompt served by worker-0 makes the router pick worker-0 with every full block matched; evictions on worker-0
 * lower the overlap; messages dropped between an agent and the router are recovered (replay, then snapshot), and a
 * router started later converges to the agent's snapshot.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class RouterWithAgentsTest {

  private static final int B = 32;
  private static final Duration WAIT = Duration.ofSeconds(20);

  private Vertx vertx;
  private RouterVerticle router;
  private int port;
  private Agent a;
  private Agent b;

  @BeforeEach
  void start() throws Exception {
    vertx = Vertx.vertx();
    router = new RouterVerticle(RouterConfig.from(RouterConfig.options().parse(new String[] {"--router-port", "0",
        "--host", "127.0.0.1", "--http-instances", "1"}, Map.of())));
    vertx.deployVerticle(router).await();
    port = router.actualPort();
    String routerUrl = "http://127.0.0.1:" + port;
    a = Agent.start(vertx, agent("worker-0", 24, routerUrl)).await();
    b = Agent.start(vertx, agent("worker-1", 256, routerUrl)).await();
    for (String id : List.of("worker-0", "worker-1")) {
      await(id + " registered and bootstrapped", WAIT,
          () -> router.registry().get(id).map(v -> v.bootstrapped()).orElse(false));
    }
  }

  @AfterEach
  void stop() {
    if (a != null) {
      a.stop().await();
    }
    if (b != null) {
      b.stop().await();
    }
    vertx.close().await();
  }

  private static AgentConfig agent(String id, int numBlocks, String routerUrl) {
    return agent(id, numBlocks, List.of(routerUrl), 4096);
  }

  private static AgentConfig agent(String id, int numBlocks, List<String> routerUrls, int replayBuffer) {
    SimConfig sim = new SimConfig("127.0.0.1", 0, SimConfig.DEFAULT_MODEL, B, numBlocks, 8, 512, 1000.0, 32768,
        100_000, 32768);
    return new AgentConfig(0, id, "sim", "", "", "", 0, 0, 0, B, SimConfig.DEFAULT_MODEL, routerUrls,
        "127.0.0.1", "127.0.0.1", replayBuffer, "", sim);
  }

  private static int[] prompt(int from, int n) {
    return IntStream.range(from, from + n).toArray();
  }

  private static void complete(Agent agent, int[] prompt) {
    String body = new JsonObject().put("prompt", new JsonArray(IntStream.of(prompt).boxed().toList()))
        .put("max_tokens", 4).put("ignore_eos", true).encode();
    try {
      HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(
          agent.endpoints().url() + "/v1/completions")).header("Content-Type", "application/json")
          .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
      assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    } catch (Exception e) {
      throw new AssertionError(e);
    }
  }

  private static String hashesJson(long[] hashes) {
    JsonArray arr = new JsonArray();
    for (long h : hashes) {
      arr.add(Long.toUnsignedString(h));
    }
    return arr.encode();
  }

  private JsonObject findBest(int routerPort, long[] local, int numTokens) {
    HttpResponse<String> r = post(routerPort, "/find_best_worker", "{\"local_hashes\":" + hashesJson(local)
        + ",\"num_tokens\":" + numTokens + "}");
    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    return new JsonObject(r.body());
  }

  private static Map<Long, Long> blocks(RouterVerticle r, String workerId) {
    Map<Long, Long> out = new HashMap<>();
    for (Map.Entry<Target, List<KvEvent.Stored>> e : r.core().dump().join().entrySet()) {
      if (e.getKey().workerId().equals(workerId)) {
        for (KvEvent.Stored s : e.getValue()) {
          for (int i = 0; i < s.size(); i++) {
            out.put(s.blockHashes()[i], s.tokensHashes()[i]);
          }
        }
      }
    }
    return out;
  }

  private static Map<Long, Long> agentSnapshot(Agent agent) throws Exception {
    String json = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(agent.endpoints().url()
        + "/v1/kv/snapshot")).GET().build(), HttpResponse.BodyHandlers.ofString()).body();
    Map<Long, Long> out = new HashMap<>();
    for (KvEventBatch rank : RecoveryJson.decodeSnapshot(json).ranks()) {
      for (KvEvent e : rank.events()) {
        KvEvent.Stored s = (KvEvent.Stored) e;
        for (int i = 0; i < s.size(); i++) {
          out.put(s.blockHashes()[i], s.tokensHashes()[i]);
        }
      }
    }
    return out;
  }

  @Test
  void shouldRouteToTheWorkerThatServedThePromptUntilItIsEvicted() {
    int[] p = prompt(5000, 3 * B + 5);
    long[] local = BlockHasher.create(B).localHashes(p);
    complete(a, p);
    await("worker-0 holds the prompt", WAIT,
        () -> "worker-0".equals(findBest(port, local, p.length).getString("worker_id"))
            && findBest(port, local, p.length).getInteger("matched_blocks") == 3);

    JsonObject route = new JsonObject(post(port, "/v1/route", new JsonObject().put("request_id", "e2e-1")
        .put("tokens", new JsonArray(IntStream.of(p).boxed().toList())).encode()).body());
    assertThat(route.getString("worker_id")).isEqualTo("worker-0");
    assertThat(route.getInteger("overlap_blocks")).isEqualTo(3);
    assertThat(route.getInteger("cached_tokens")).isEqualTo(3 * B);
    assertThat(route.getString("url")).isEqualTo(a.endpoints().url());
    assertThat(TestSupport.delete(port, "/v1/requests/e2e-1").statusCode()).isEqualTo(200);
    // the same prompt given as its local hashes
    JsonObject byHashes = new JsonObject(post(port, "/v1/route", "{\"request_id\":\"e2e-2\",\"local_hashes\":"
        + hashesJson(local) + ",\"num_tokens\":" + p.length + "}").body());
    assertThat(byHashes.getString("worker_id")).isEqualTo("worker-0");
    assertThat(byHashes.getInteger("overlap_blocks")).isEqualTo(3);
    assertThat(byHashes.getInteger("dp_rank")).isZero();
    assertThat(TestSupport.delete(port, "/v1/requests/e2e-2").statusCode()).isEqualTo(200);

    // worker-0 has 24 blocks: six other 4-block prompts push the first one out (LRU).
    for (int i = 0; i < 8; i++) {
      complete(a, prompt(10_000 + i * 1000, 4 * B));
    }
    await("overlap on worker-0 drops after eviction", WAIT,
        () -> router.core().findMatches(local).score(new Target("worker-0", 0)) < 3);
    // ... and the HTTP answers say so: /v1/score's per-worker overlap, /find_best_worker's matched blocks
    JsonObject score = new JsonObject(post(port, "/v1/score", "{\"local_hashes\":" + hashesJson(local)
        + ",\"num_tokens\":" + p.length + "}").body());
    for (Object o : score.getJsonArray("candidates")) {
      JsonObject cand = (JsonObject) o;
      if (cand.getString("worker_id").equals("worker-0")) {
        assertThat(cand.getInteger("overlap_blocks")).isLessThan(3);
      }
    }
    assertThat(findBest(port, local, p.length).getInteger("matched_blocks")).isLessThan(3);
    JsonObject workers = new JsonObject(get(port, "/v1/workers").body());
    assertThat(workers.getJsonArray("workers")).hasSize(2);
    assertThat(workers.getInteger("block_size")).isEqualTo(B);
  }

  /**
   * A real agent whose KV stream reaches the router through {@link LossyRelay}: messages dropped on the way are
   * first replayed from the agent's ring ({@code /v1/kv/events?after=}), and once more were dropped than the ring
   * (4 batches) holds, the agent answers 410 and the router reloads its snapshot. Both times the router's tree ends
   * equal to the agent's snapshot.
   */
  @Test
  void shouldConvergeToTheAgentSnapshotAfterDroppedMessages() throws Exception {
    Agent c = Agent.start(vertx, agent("worker-2", 4096, List.of(), 4)).await();
    try (LossyRelay relay = new LossyRelay(c.endpoints().eventsEndpoint())) {
      HttpResponse<String> reg = post(port, "/v1/workers", new JsonObject().put("worker_id", "worker-2")
          .put("url", c.endpoints().url()).put("events_endpoint", relay.endpoint())
          .put("metrics_endpoint", c.endpoints().metricsEndpoint()).put("block_size", B).encode());
      assertThat(reg.statusCode()).as(reg.body()).isEqualTo(201);
      await("worker-2 bootstrapped", WAIT,
          () -> router.registry().get("worker-2").map(v -> v.bootstrapped()).orElse(false));
      complete(c, prompt(40_000, 2 * B));
      awaitConverged(c, "live events");

      // One batch lost: the next one reveals the gap and the ring still has the missing batch.
      relay.drop(1);
      complete(c, prompt(41_000, 3 * B));
      await("first batch dropped", WAIT, () -> relay.dropped() == 1);
      complete(c, prompt(42_000, 2 * B));
      awaitConverged(c, "replay from the ring");
      String metrics = get(port, "/metrics").body();
      assertThat(metrics).contains("kvroute_router_seq_gaps_total{worker=\"worker-2\"}");
      assertThat(metrics.contains("kvroute_router_replays_total{outcome=\"ok\",worker=\"worker-2\"}")
          || metrics.contains("kvroute_router_replays_total{outcome=\"tail_recovered\",worker=\"worker-2\"}"))
          .as(metrics).isTrue();

      // More lost than the ring holds: 410, reset, snapshot, buffered live batches applied.
      int before = relay.dropped();
      relay.drop(1_000);
      for (int i = 0; i < 64 && relay.dropped() - before <= 4; i++) {
        complete(c, prompt(50_000 + i * 1000, 2 * B + i % 7));
        Thread.sleep(20); // the agent may publish several completions' events as one batch
      }
      assertThat(relay.dropped() - before).as("batches dropped beyond the ring").isGreaterThan(4);
      relay.drop(0);
      complete(c, prompt(60_000, 2 * B));
      awaitConverged(c, "snapshot after the ring lost the gap");
      assertThat(get(port, "/metrics").body())
          .contains("kvroute_router_replays_total{outcome=\"gone\",worker=\"worker-2\"}");
    } finally {
      c.stop().await();
    }
  }

  private void awaitConverged(Agent agent, String what) {
    await("router tree equals the agent snapshot after " + what, WAIT, () -> {
      try {
        Map<Long, Long> snapshot = agentSnapshot(agent);
        return !snapshot.isEmpty() && blocks(router, "worker-2").equals(snapshot);
      } catch (Exception e) {
        return false;
      }
    });
  }

  @Test
  void shouldConvergeToTheAgentSnapshotWhenARouterStartsLate() throws Exception {
    for (int i = 0; i < 4; i++) {
      complete(a, prompt(20_000 + i * 500, 2 * B + 3));
    }
    await("first router in sync", WAIT, () -> {
      try {
        return blocks(router, "worker-0").equals(agentSnapshot(a)) && !blocks(router, "worker-0").isEmpty();
      } catch (Exception e) {
        return false;
      }
    });
    // A second router that knows worker-0 only from static flags bootstraps from the agent's snapshot.
    String w = "id=worker-0,events=" + a.endpoints().eventsEndpoint() + ",metrics=" + a.endpoints().metricsEndpoint()
        + ",url=" + a.endpoints().url();
    RouterVerticle late = new RouterVerticle(RouterConfig.from(RouterConfig.options().parse(new String[] {
        "--router-port", "0", "--host", "127.0.0.1", "--http-instances", "1", "--worker", w}, Map.of())));
    vertx.deployVerticle(late).await();
    await("late router bootstrapped", WAIT,
        () -> late.registry().get("worker-0").map(v -> v.bootstrapped()).orElse(false));
    await("late router converged", WAIT, () -> {
      try {
        return blocks(late, "worker-0").equals(agentSnapshot(a));
      } catch (Exception e) {
        return false;
      }
    });
    complete(a, prompt(30_000, 2 * B));
    long[] local = BlockHasher.create(B).localHashes(prompt(30_000, 2 * B));
    await("late router follows live events", WAIT,
        () -> "worker-0".equals(findBest(late.actualPort(), local, 2 * B).getString("worker_id"))
            && findBest(late.actualPort(), local, 2 * B).getInteger("matched_blocks") == 2);
  }
}

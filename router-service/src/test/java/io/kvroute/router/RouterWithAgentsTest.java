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
 * lower the overlap; a router started later converges to the agent's snapshot.
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
    SimConfig sim = new SimConfig("127.0.0.1", 0, SimConfig.DEFAULT_MODEL, B, numBlocks, 8, 512, 1000.0, 32768,
        100_000, 32768);
    return new AgentConfig(0, id, "sim", "", "", "", 0, 0, 0, B, SimConfig.DEFAULT_MODEL, List.of(routerUrl),
        "127.0.0.1", "127.0.0.1", 4096, "", sim);
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

    // worker-0 has 24 blocks: six other 4-block prompts push the first one out (LRU).
    for (int i = 0; i < 8; i++) {
      complete(a, prompt(10_000 + i * 1000, 4 * B));
    }
    await("overlap on worker-0 drops after eviction", WAIT,
        () -> router.core().findMatches(local).score(new Target("worker-0", 0)) < 3);
    JsonObject workers = new JsonObject(get(port, "/v1/workers").body());
    assertThat(workers.getJsonArray("workers")).hasSize(2);
    assertThat(workers.getInteger("block_size")).isEqualTo(B);
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

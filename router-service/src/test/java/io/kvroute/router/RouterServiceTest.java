package io.kvroute.router;

import static io.kvroute.router.TestSupport.await;
import static io.kvroute.router.TestSupport.delete;
import static io.kvroute.router.TestSupport.get;
import static io.kvroute.router.TestSupport.post;
import static org.assertj.core.api.Assertions.assertThat;

import io.kvroute.common.codec.VllmBatch;
import io.kvroute.common.codec.VllmBatchCodec;
import io.kvroute.common.codec.VllmEvent;
import io.kvroute.common.event.KvEvent;
import io.kvroute.common.hash.BlockHasher;
import io.kvroute.router.core.Target;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
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
 * The router service on loopback with two stand-in publishers speaking the agent's contract (ZMQ PUB of agent
 * batches + recovery HTTP): routing follows the cache, eviction lowers overlap, gaps are replayed, 410 and
 * restarts fall back to snapshots, block-size mismatches are refused.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class RouterServiceTest {

  private static final int B = 32;
  private static final Duration WAIT = Duration.ofSeconds(15);

  private Vertx vertx;
  private RouterVerticle router;
  private int port;
  private FakeAgent a;
  private FakeAgent b;

  @BeforeEach
  void start() throws Exception {
    vertx = Vertx.vertx();
    RouterConfig config = RouterConfig.from(RouterConfig.options().parse(new String[] {"--router-port", "0",
        "--host", "127.0.0.1", "--http-instances", "2", "--block-size", Integer.toString(B), "--live-only-retry", "2s"},
        Map.of()));
    router = new RouterVerticle(config);
    vertx.deployVerticle(router).await();
    port = router.actualPort();
    a = new FakeAgent(vertx, "worker-a", B);
    b = new FakeAgent(vertx, "worker-b", B);
  }

  @AfterEach
  void stop() {
    if (a != null) {
      a.close();
    }
    if (b != null) {
      b.close();
    }
    vertx.close().await();
  }

  private static int[] tokens(int count, int offset) {
    return IntStream.range(offset, offset + count).toArray();
  }

  private static long[] engineHashes(long base, int n) {
    long[] out = new long[n];
    for (int i = 0; i < n; i++) {
      out[i] = base + i;
    }
    return out;
  }

  private void register(FakeAgent agent) {
    HttpResponse<String> r = post(port, "/v1/workers", agent.registration());
    assertThat(r.statusCode()).isIn(200, 201);
    String id = new JsonObject(r.body()).getString("worker_id");
    await(id + " bootstrapped", WAIT, () -> router.registry().get(id).orElseThrow().bootstrapped());
  }

  private Map<Long, Long> routerBlocks(String workerId) {
    Map<Long, Long> out = new HashMap<>();
    Map<Target, List<KvEvent.Stored>> dump = router.core().dump().join();
    for (Map.Entry<Target, List<KvEvent.Stored>> e : dump.entrySet()) {
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

  private int overlapOf(String workerId, long[] local) {
    return router.core().findMatches(local).score(new Target(workerId, 0));
  }

  private static String hashesJson(long[] hashes) {
    JsonArray arr = new JsonArray();
    for (long h : hashes) {
      arr.add(Long.toUnsignedString(h));
    }
    return arr.encode();
  }

  @Test
  void shouldRouteToTheWorkerHoldingThePromptAndDropOverlapAfterEviction() {
    register(a);
    register(b);
    int[] prompt = tokens(4 * B + 10, 7);
    long[] local = BlockHasher.create(B).localHashes(prompt);
    long[] engine = engineHashes(900_000L, local.length);
    a.publish(KvEvent.Stored.root(engine, local));
    await("A indexed", WAIT, () -> overlapOf("worker-a", local) == 4);

    HttpResponse<String> fbw = post(port, "/find_best_worker",
        "{\"local_hashes\":" + hashesJson(local) + ",\"num_tokens\":" + prompt.length + "}");
    assertThat(fbw.statusCode()).isEqualTo(200);
    JsonObject best = new JsonObject(fbw.body());
    assertThat(best.getString("worker_id")).isEqualTo("worker-a");
    assertThat(best.getInteger("matched_blocks")).isEqualTo(4);
    assertThat(best.getDouble("overlap")).isEqualTo(4.0 * B / prompt.length);

    HttpResponse<String> route = post(port, "/v1/route", new JsonObject().put("request_id", "r1")
        .put("tokens", new JsonArray(IntStream.of(prompt).boxed().toList())).encode());
    assertThat(route.statusCode()).isEqualTo(200);
    JsonObject d = new JsonObject(route.body());
    assertThat(d.getString("worker_id")).isEqualTo("worker-a");
    assertThat(d.getInteger("overlap_blocks")).isEqualTo(4);
    assertThat(d.getInteger("cached_tokens")).isEqualTo(4 * B);
    assertThat(d.getString("url")).isEqualTo(a.url());
    String metrics = get(port, "/metrics").body();
    assertThat(metrics).contains("kvroute_router_decisions_total{policy=\"kv\",worker=\"worker-a\"} 2.0")
        .contains("kvroute_router_worker_active_requests{dp_rank=\"0\",worker=\"worker-a\"} 1.0")
        .contains("kvroute_router_worker_prefill_tokens{dp_rank=\"0\",worker=\"worker-a\"}")
        .contains("kvroute_router_worker_decode_blocks{dp_rank=\"0\",worker=\"worker-a\"} 4.0")
        .contains("kvroute_router_overlap_blocks_bucket").contains("kvroute_router_decision_latency_seconds_bucket")
        .contains("kvroute_router_tree_bytes").contains("kvroute_router_tree_worker_blocks{dp_rank=\"0\",worker=\"worker-a\"} 4.0")
        .contains("kvroute_router_events_applied_total{worker=\"worker-a\"}");
    // Dry run: every candidate's overlap and load, nothing booked.
    JsonObject score = new JsonObject(post(port, "/v1/score", "{\"local_hashes\":" + hashesJson(local)
        + ",\"num_tokens\":" + prompt.length + "}").body());
    Map<String, JsonObject> byWorker = new HashMap<>();
    for (Object o : score.getJsonArray("candidates")) {
      byWorker.put(((JsonObject) o).getString("worker_id"), (JsonObject) o);
    }
    assertThat(byWorker).containsOnlyKeys("worker-a", "worker-b");
    assertThat(byWorker.get("worker-a").getInteger("overlap_blocks")).isEqualTo(4);
    assertThat(byWorker.get("worker-a").getInteger("active_requests")).isEqualTo(1);
    assertThat(byWorker.get("worker-b").getInteger("overlap_blocks")).isEqualTo(0);
    assertThat(router.core().loads().get(new Target("worker-a", 0)).activeRequests()).isEqualTo(1);
    assertThat(post(port, "/v1/requests/r1/first_token", "").statusCode()).isEqualTo(200);
    assertThat(new JsonObject(delete(port, "/v1/requests/r1").body()).getBoolean("released")).isTrue();
    assertThat(new JsonObject(delete(port, "/v1/requests/r1").body()).getBoolean("released")).isFalse();

    // Evict the last two blocks on A: the matched prefix shrinks to 2.
    a.publish(new KvEvent.Removed(new long[] {engine[2], engine[3]}));
    await("A evicted", WAIT, () -> overlapOf("worker-a", local) == 2);
    JsonObject after = new JsonObject(post(port, "/v1/route", "{\"request_id\":\"r2\",\"local_hashes\":"
        + hashesJson(local) + ",\"num_tokens\":" + prompt.length + "}").body());
    assertThat(after.getInteger("overlap_blocks")).isEqualTo(2);
    assertThat(after.getString("worker_id")).isEqualTo("worker-a");
  }

  @Test
  void shouldReplayMissedBatchesAfterAGap() {
    register(a);
    long[] local = BlockHasher.create(B).localHashes(tokens(6 * B, 100));
    long[] engine = engineHashes(1_000L, 6);
    a.publish(KvEvent.Stored.root(new long[] {engine[0]}, new long[] {local[0]}));
    await("first block", WAIT, () -> overlapOf("worker-a", local) == 1);
    a.dropNext(3);
    for (int i = 1; i <= 3; i++) {
      a.publish(KvEvent.Stored.under(engine[i - 1], new long[] {engine[i]}, new long[] {local[i]}));
    }
    a.publish(KvEvent.Stored.under(engine[3], new long[] {engine[4], engine[5]}, new long[] {local[4], local[5]}));
    await("gap replayed", WAIT, () -> overlapOf("worker-a", local) == 6);
    assertThat(routerBlocks("worker-a")).isEqualTo(a.tableBlocks());
    // Recovered from the agent's ring, never from a second snapshot: by the gap's replay, or by the quiet stream's
    // tail probe when the SUB had not joined yet (its handshake can take a re-dial) and heard nothing live.
    String metrics = get(port, "/metrics").body();
    assertThat(metrics).contains("kvroute_router_seq_gaps_total")
        .contains("kvroute_router_snapshot_loads_total{outcome=\"ok\",worker=\"worker-a\"} 1.0");
    assertThat(metrics.contains("kvroute_router_replays_total{outcome=\"ok\"")
        || metrics.contains("kvroute_router_replays_total{outcome=\"tail_recovered\"")).isTrue();
  }

  @Test
  void shouldLoadTheSnapshotWhenTheReplayRingNoLongerHasTheGap() {
    register(a);
    long[] local = BlockHasher.create(B).localHashes(tokens(5 * B, 3));
    long[] engine = engineHashes(77_000L, 5);
    a.publish(KvEvent.Stored.root(new long[] {engine[0], engine[1]}, new long[] {local[0], local[1]}));
    await("two blocks", WAIT, () -> overlapOf("worker-a", local) == 2);
    a.dropNext(2);
    a.publish(new KvEvent.Removed(new long[] {engine[1]}));
    a.publish(KvEvent.Stored.under(engine[0], new long[] {engine[2]}, new long[] {999L}));
    a.truncateRing();
    a.publish(KvEvent.Stored.under(engine[2], new long[] {engine[3]}, new long[] {998L}));
    await("converged to snapshot", WAIT, () -> routerBlocks("worker-a").equals(a.tableBlocks()));
    assertThat(overlapOf("worker-a", local)).isEqualTo(1);
    assertThat(get(port, "/metrics").body()).contains("kvroute_router_replays_total{outcome=\"gone\"");
  }

  @Test
  void shouldResetAndReloadWhenTheSeqGoesBackwards() {
    register(a);
    long[] local = BlockHasher.create(B).localHashes(tokens(3 * B, 50));
    for (int i = 0; i < 5; i++) {
      a.publish(KvEvent.Stored.root(new long[] {5_000L + i}, new long[] {40_000L + i}));
    }
    await("five roots", WAIT, () -> routerBlocks("worker-a").size() == 5);
    a.restart();
    a.publish(KvEvent.Stored.root(engineHashes(6_000L, 3), local));
    await("restart converged", WAIT, () -> routerBlocks("worker-a").equals(a.tableBlocks()));
    assertThat(overlapOf("worker-a", local)).isEqualTo(3);
  }

  @Test
  void shouldBootstrapANewWorkerFromItsSnapshot() {
    long[] local = BlockHasher.create(B).localHashes(tokens(3 * B, 11));
    a.publish(KvEvent.Stored.root(engineHashes(10L, 3), local));
    register(a);
    assertThat(overlapOf("worker-a", local)).isEqualTo(3);
    HttpResponse<String> workers = get(port, "/v1/workers");
    JsonObject w = new JsonObject(workers.body()).getJsonArray("workers").getJsonObject(0);
    assertThat(w.getString("state")).isEqualTo("up");
    assertThat(w.getBoolean("bootstrapped")).isTrue();
    assertThat(w.getLong("tree_blocks")).isEqualTo(3L);
    assertThat(get(port, "/ready").statusCode()).isEqualTo(200);
  }

  @Test
  void shouldRefuseAWorkerWithAnotherBlockSize() {
    HttpResponse<String> r = post(port, "/v1/workers", b.registration(16));
    assertThat(r.statusCode()).isEqualTo(201);
    assertThat(new JsonObject(r.body()).getString("state")).isEqualTo("misconfigured");
    b.publish(KvEvent.Stored.root(new long[] {1L}, new long[] {2L}));
    HttpResponse<String> route = post(port, "/v1/route", "{\"request_id\":\"x\",\"local_hashes\":[2],"
        + "\"num_tokens\":32}");
    assertThat(route.statusCode()).isEqualTo(503);
    assertThat(route.headers().firstValue("Retry-After")).isPresent();
    assertThat(new JsonObject(route.body()).getJsonObject("error").getString("code")).isEqualTo("no_eligible_worker");
    assertThat(get(port, "/v1/workers/worker-b").body()).contains("misconfigured");
    assertThat(get(port, "/metrics").body()).contains("state=\"misconfigured\",worker=\"worker-b\"} 1.0");
  }

  @Test
  void shouldExcludeDrainingAndExcludedWorkers() {
    register(a);
    register(b);
    assertThat(post(port, "/v1/workers/worker-a/drain", "{\"draining\":true}").statusCode()).isEqualTo(200);
    for (int i = 0; i < 5; i++) {
      JsonObject d = new JsonObject(post(port, "/v1/route", "{\"request_id\":\"d" + i
          + "\",\"local_hashes\":[1,2],\"num_tokens\":64}").body());
      assertThat(d.getString("worker_id")).isEqualTo("worker-b");
    }
    HttpResponse<String> none = post(port, "/v1/route", "{\"request_id\":\"e\",\"local_hashes\":[1],"
        + "\"num_tokens\":32,\"exclude\":[\"worker-b\"]}");
    assertThat(none.statusCode()).isEqualTo(503);
    assertThat(post(port, "/v1/workers/worker-a/drain", "{\"draining\":false}").statusCode()).isEqualTo(200);
    assertThat(new JsonObject(post(port, "/v1/route", "{\"request_id\":\"e\",\"local_hashes\":[1],"
        + "\"num_tokens\":32,\"exclude\":[\"worker-b\"]}").body()).getString("worker_id")).isEqualTo("worker-a");
    assertThat(delete(port, "/v1/workers/worker-a").statusCode()).isEqualTo(200);
    assertThat(delete(port, "/v1/workers/worker-a").statusCode()).isEqualTo(404);
  }

  @Test
  void shouldFollowEngineLoadMetricsWithTheSeedPolicy() {
    register(a);
    register(b);
    String query = "{\"local_hashes\":[1,2],\"num_tokens\":64,\"policy\":\"seed\"}";
    await("seed avoids the loaded worker A", WAIT, () -> {
      a.publishMetrics(10, 0.9);
      b.publishMetrics(0, 0.0);
      return new JsonObject(post(port, "/find_best_worker", query).body()).getString("worker_id")
          .equals("worker-b");
    });
    await("seed follows the load to B", WAIT, () -> {
      a.publishMetrics(0, 0.0);
      b.publishMetrics(10, 0.9);
      return new JsonObject(post(port, "/find_best_worker", query).body()).getString("worker_id")
          .equals("worker-a");
    });
  }

  @Test
  void shouldIndexRawVllmBatchesFromAnEngineWithoutAgent() {
    HttpResponse<String> r = post(port, "/v1/workers", "{\"worker_id\":\"vllm-0\",\"events_endpoint\":\""
        + a.eventsEndpoint() + "\",\"block_size\":" + B + "}");
    assertThat(r.statusCode()).isEqualTo(201);
    assertThat(new JsonObject(r.body()).getBoolean("bootstrapped")).isTrue();
    int[] prompt = tokens(3 * B, 1000);
    long[] local = BlockHasher.create(B, "adapter-a", null).localHashes(prompt);
    // vLLM publishes one stored event with all full blocks' token ids; the router hashes them itself.
    VllmBatch batch = new VllmBatch(1.0, List.of(new VllmEvent.BlockStored(engineHashes(50L, 3), null, prompt, B,
        "adapter-a", null, null)), 0);
    await("vLLM blocks indexed", WAIT, () -> {
      a.publishRaw(a.lastSeq() + 1 + rawSeq++, VllmBatchCodec.encode(batch));
      return overlapOf("vllm-0", local) == 3;
    });
    JsonObject d = new JsonObject(post(port, "/v1/route", new JsonObject().put("request_id", "v")
        .put("tokens", new JsonArray(IntStream.of(prompt).boxed().toList())).put("lora", "adapter-a").encode())
        .body());
    assertThat(d.getString("worker_id")).isEqualTo("vllm-0");
    assertThat(d.getInteger("overlap_blocks")).isEqualTo(3);
    // Garbage is dropped and counted by reason, the stream and the index stay as they were.
    await("malformed payload counted", WAIT, () -> {
      a.publishRaw(a.lastSeq() + 1 + rawSeq++, new byte[] {(byte) 0xc1, 1, 2});
      return get(port, "/metrics").body()
          .contains("kvroute_router_events_dropped_total{reason=\"malformed\",worker=\"vllm-0\"}");
    });
    assertThat(overlapOf("vllm-0", local)).isEqualTo(3);
    // Another block size on the wire flags the worker misconfigured.
    VllmBatch wrong = new VllmBatch(2.0, List.of(new VllmEvent.BlockStored(new long[] {7L}, null, tokens(16, 0), 16,
        null, null, null)), 0);
    await("misconfigured", WAIT, () -> {
      a.publishRaw(a.lastSeq() + 1 + rawSeq++, VllmBatchCodec.encode(wrong));
      return router.registry().isMisconfigured("vllm-0");
    });
    assertThat(get(port, "/metrics").body())
        .contains("kvroute_router_events_dropped_total{reason=\"block_size_mismatch\",worker=\"vllm-0\"}");
  }

  @Test
  void shouldStartFromLiveEventsWhenTheSnapshotFailsAndLoadItLater() {
    a.failSnapshots(true);
    long[] local = BlockHasher.create(B).localHashes(tokens(4 * B, 5));
    long[] engine = engineHashes(3_000L, 4);
    a.publish(KvEvent.Stored.root(new long[] {engine[0]}, new long[] {local[0]}));
    assertThat(post(port, "/v1/workers", a.registration()).statusCode()).isEqualTo(201);
    // Events published before the subscription are unknown to the router; new roots are applied live. A root is
    // published per poll until the SUB has joined; any of them indexed will do (the one just published may not have
    // crossed the router's ingest yet, and under load it never would).
    long[] liveRoot = {8_000L};
    await("live events applied without a snapshot", WAIT, () -> {
      liveRoot[0]++;
      a.publish(KvEvent.Stored.root(new long[] {liveRoot[0]}, new long[] {liveRoot[0] * 7}));
      return routerBlocks("worker-a").keySet().stream().anyMatch(h -> h > 8_000L && h <= liveRoot[0]);
    });
    assertThat(routerBlocks("worker-a")).doesNotContainKey(engine[0]);
    assertThat(router.registry().get("worker-a").orElseThrow().bootstrapped()).isFalse();
    // Not ready while bootstrapping; after the first failed attempts the worker is served live-only, and ready.
    await("live-only after failed snapshots", WAIT, () -> get(port, "/ready").statusCode() == 200);
    assertThat(router.registry().get("worker-a").orElseThrow().indexState()).isEqualTo("live_only");
    a.failSnapshots(false);
    a.publish(KvEvent.Stored.under(engine[0], new long[] {engine[1], engine[2], engine[3]},
        new long[] {local[1], local[2], local[3]}));
    await("snapshot retried and loaded", WAIT, () -> router.registry().get("worker-a").orElseThrow().bootstrapped());
    await("converged", WAIT, () -> routerBlocks("worker-a").equals(a.tableBlocks()));
    assertThat(overlapOf("worker-a", local)).isEqualTo(4);
    assertThat(get(port, "/ready").statusCode()).isEqualTo(200);
  }

  @Test
  void shouldDropASilentWorkerAndRemoveItsEntriesAfterTheGrace() throws Exception {
    RouterConfig config = RouterConfig.from(RouterConfig.options().parse(new String[] {"--router-port", "0",
        "--host", "127.0.0.1", "--http-instances", "1", "--worker-ttl", "400ms", "--down-grace", "400ms"},
        Map.of()));
    RouterVerticle shortTtl = new RouterVerticle(config);
    vertx.deployVerticle(shortTtl).await();
    int p2 = shortTtl.actualPort();
    long[] local = BlockHasher.create(B).localHashes(tokens(2 * B, 9));
    a.publish(KvEvent.Stored.root(engineHashes(4_000L, 2), local));
    assertThat(post(p2, "/v1/workers", a.registration()).statusCode()).isEqualTo(201);
    await("indexed", WAIT, () -> shortTtl.core().findMatches(local).score(new Target("worker-a", 0)) == 2);
    await("down", WAIT, () -> post(p2, "/v1/route", "{\"local_hashes\":[1],\"num_tokens\":32}")
        .statusCode() == 503);
    await("entries removed", WAIT, () -> shortTtl.core().findMatches(local).score(new Target("worker-a", 0)) == 0);
    assertThat(new JsonObject(get(p2, "/v1/workers/worker-a").body()).getString("state")).isEqualTo("down");
    // A heartbeat brings it back, bootstrapped again from its snapshot.
    assertThat(post(p2, "/v1/workers", a.registration()).statusCode()).isEqualTo(200);
    await("re-bootstrapped", WAIT, () -> shortTtl.core().findMatches(local).score(new Target("worker-a", 0)) == 2);
    assertThat(new JsonObject(post(p2, "/v1/route", "{\"local_hashes\":" + hashesJson(local)
        + ",\"num_tokens\":64}").body()).getString("worker_id")).isEqualTo("worker-a");
  }

  @Test
  void shouldKeepUpWithABurstOfBatches() {
    register(a);
    for (int i = 0; i < 3000; i++) {
      a.publish(KvEvent.Stored.root(new long[] {100_000L + i}, new long[] {200_000L + i}));
    }
    await("burst indexed", WAIT, () -> routerBlocks("worker-a").size() == 3000);
    assertThat(routerBlocks("worker-a")).isEqualTo(a.tableBlocks());
  }

  private long rawSeq;
}

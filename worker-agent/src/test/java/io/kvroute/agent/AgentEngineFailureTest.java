package io.kvroute.agent;

import static org.assertj.core.api.Assertions.assertThat;

import io.kvroute.agent.sim.SimConfig;
import io.kvroute.agent.sim.SimEngineServer;
import io.kvroute.common.codec.RecoveryJson;
import io.kvroute.common.event.KvEvent;
import io.kvroute.common.hash.BlockHasher;
import io.kvroute.common.tokenizer.ModelTokenizer;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The trtllm adapter against bad engine output and against an engine that dies and comes back. */
@Timeout(90)
class AgentEngineFailureTest {

  private static final int B = 4;

  private Vertx vertx;
  private Agent agent;
  private KvSubscriber sub;

  @BeforeEach
  void start() {
    vertx = Vertx.vertx();
  }

  @AfterEach
  void stop() throws Exception {
    if (sub != null) {
      sub.close();
    }
    if (agent != null) {
      TestAgents.await(agent.stop());
    }
    TestAgents.await(vertx.close());
  }

  private static String tokens(int from, int n) {
    StringBuilder sb = new StringBuilder("[");
    for (int i = 0; i < n; i++) {
      sb.append(i > 0 ? "," : "").append("{\"type\":\"unique_token\",\"token_id\":").append(from + i)
          .append(",\"token_extra_id\":0}");
    }
    return sb.append(']').toString();
  }

  private static String stored(long id, String hash, int from, int n) {
    return "{\"event_id\":" + id + ",\"data\":{\"type\":\"stored\",\"parent_hash\":null,\"blocks\":[{\"type\":"
        + "\"stored_block\",\"block_hash\":" + hash + ",\"tokens\":" + tokens(from, n)
        + ",\"cache_level\":0,\"priority\":35}]},\"window_size\":64}";
  }

  @Test
  void shouldCountAndSkipMalformedEngineOutput() throws Exception {
    // A stand-in for an external engine answering garbage: each poll gets the next canned answer.
    ConcurrentLinkedQueue<String> answers = new ConcurrentLinkedQueue<>(List.of(
        "this is not json",
        "{\"an\":\"object\"}",
        "[{\"event_id\":0,\"data\":{\"type\":\"created\",\"num_blocks_per_cache_level\":[10,0]},\"window_size\":64},"
            + "{\"event_id\":1,\"data\":{\"type\":\"mystery\"}},"
            + stored(2, "77", 0, 5) + ","
            + "{\"event_id\":3,\"data\":{\"type\":\"stored\",\"blocks\":\"nope\"}},"
            + stored(4, "18446744073709551614", 100, 4) + "]",
        "[{\"event_id\":5,\"data\":{\"type\":\"removed\",\"block_hashes\":[1]}}, {\"event_id\":"));
    HttpServer fake = TestAgents.await(vertx.createHttpServer().requestHandler(req -> {
      if (req.path().equals("/kv_cache_events")) {
        String a = answers.poll();
        req.response().putHeader("content-type", "application/json").end(a == null ? "[]" : a);
      } else if (req.path().equals("/metrics")) {
        req.response().end("{broken");
      } else {
        req.response().setStatusCode(404).end();
      }
    }).listen(0, "127.0.0.1"));
    agent = TestAgents.await(Agent.start(vertx, TestAgents.trtllm("http://127.0.0.1:" + fake.actualPort(), B)));
    sub = new KvSubscriber(agent.kvEventsPort(), agent.metricsPort());

    Await.until("answers consumed", 10_000, answers::isEmpty);
    Await.until("good events published", 10_000, () -> agent.eventLog().lastSeq() >= 1);
    AgentMetrics m = agent.metrics();
    Await.until("stats poll failed", 10_000, () -> m.count("kvroute_agent_dropped_total", "reason",
        "malformed_stats") >= 1);
    assertThat(m.count("kvroute_agent_dropped_total", "reason", "malformed")).isEqualTo(2);
    assertThat(m.count("kvroute_agent_dropped_total", "reason", "malformed_event")).isGreaterThanOrEqualTo(3);
    assertThat(m.count("kvroute_agent_dropped_total", "reason", "oversize_block")).isEqualTo(1);

    RecoveryJson.EventsPage page = RecoveryJson.decodeEvents(TestHttp.get("http://127.0.0.1:" + agent.httpPort()
        + "/v1/kv/events?after=-1").body());
    assertThat(page.batches().get(0).batch().events()).containsExactly(KvEvent.Stored.root(
        new long[] {-2L}, BlockHasher.create(B).localHashes(IntStream.range(100, 104).toArray())));
    assertThat(page.batches().get(1).batch().events()).containsExactly(new KvEvent.Removed(new long[] {1}));
    assertThat(TestHttp.get("http://127.0.0.1:" + agent.httpPort() + "/ready").statusCode()).isEqualTo(200);
    TestAgents.await(fake.close());
  }

  @Test
  void shouldRecoverWhenTheSimulatedEngineIsKilledAndRestarted() throws Exception {
    ModelTokenizer tokenizer = ModelTokenizer.loadBundled();
    SimConfig config = SimConfig.defaults().withPort("127.0.0.1", 0).withCapacity(B, 256, 8, 512, 1000.0);
    SimEngineServer engine = TestAgents.await(SimEngineServer.start(vertx, config, tokenizer));
    int port = engine.port();
    agent = TestAgents.await(Agent.start(vertx, TestAgents.trtllm(engine.baseUrl(), B)));
    sub = new KvSubscriber(agent.kvEventsPort(), agent.metricsPort());
    sub.awaitLoad(l -> true, 10_000);
    String url = "http://127.0.0.1:" + agent.httpPort();
    Await.until("ready", 10_000, () -> TestHttp.get(url + "/ready").statusCode() == 200);

    int[] prompt = IntStream.range(300, 300 + 3 * B).toArray();
    String body = new JsonObject().put("prompt", new JsonArray(Arrays.stream(prompt).boxed().toList()))
        .put("max_tokens", 2).encode();
    assertThat(TestHttp.post(url + "/v1/completions", body).statusCode()).isEqualTo(200);
    long[] expected = BlockHasher.create(B).localHashes(prompt);
    sub.await(b -> b.batch().events().stream().anyMatch(e -> e instanceof KvEvent.Stored s
        && Arrays.equals(s.tokensHashes(), expected)), 10_000);

    TestAgents.await(engine.stop());
    Await.until("not ready", 10_000, () -> TestHttp.get(url + "/ready").statusCode() == 503);
    assertThat(TestHttp.get(url + "/metrics").body()).contains("kvroute_agent_engine_up{worker_id=\"worker-t\"} 0");
    assertThat(TestHttp.post(url + "/v1/completions", body).statusCode()).isEqualTo(502);

    SimEngineServer restarted = TestAgents.await(SimEngineServer.start(vertx, config.withPort("127.0.0.1", port),
        tokenizer));
    sub.await(b -> b.batch().events().contains(KvEvent.Cleared.INSTANCE), 15_000);
    Await.until("ready again", 10_000, () -> TestHttp.get(url + "/ready").statusCode() == 200);
    assertThat(agent.eventLog().tableSize()).isZero();
    assertThat(TestHttp.post(url + "/v1/completions", body).statusCode()).isEqualTo(200);
    Await.until("table rebuilt", 10_000, () -> agent.eventLog().tableSize() == 3);
    RecoveryJson.Snapshot snap = RecoveryJson.decodeSnapshot(TestHttp.get(url + "/v1/kv/snapshot").body());
    assertThat(((KvEvent.Stored) snap.ranks().get(0).events().get(0)).tokensHashes()).isEqualTo(expected);
    TestAgents.await(restarted.stop());
  }
}

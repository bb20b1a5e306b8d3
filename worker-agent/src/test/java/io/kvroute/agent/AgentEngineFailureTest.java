package io.kvroute.agent;

import static org.assertj.core.api.Assertions.assertThat;

import io.kvroute.agent.engine.PrometheusText;
import io.kvroute.agent.sim.SimConfig;
import io.kvroute.agent.sim.SimEngineServer;
import io.kvroute.common.codec.RecoveryJson;
import io.kvroute.common.event.KvEvent;
import io.kvroute.common.hash.BlockHasher;
import io.kvroute.common.tokenizer.ModelTokenizer;
import io.vertx.core.http.HttpServer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.http.HttpResponse;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The trtllm adapter against bad engine output and against an engine process that is killed and comes back. */
@Timeout(90)
class AgentEngineFailureTest {

  private static final int B = 4;

  @RegisterExtension
  final AgentHarness harness = new AgentHarness();


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
    HttpServer fake = TestAgents.await(harness.vertx().createHttpServer().requestHandler(req -> {
      if (req.path().equals("/kv_cache_events")) {
        String a = answers.poll();
        req.response().putHeader("content-type", "application/json").end(a == null ? "[]" : a);
      } else if (req.path().equals("/metrics")) {
        req.response().end("{broken");
      } else {
        req.response().setStatusCode(404).end();
      }
    }).listen(0, "127.0.0.1"));
    Agent agent = harness.start(TestAgents.trtllm("http://127.0.0.1:" + fake.actualPort(), B));
    harness.subscribe();

    Await.until("answers consumed", 10_000, answers::isEmpty);
    Await.until("good events published", 10_000, () -> agent.eventLog().lastSeq() >= 1);
    AgentMetrics m = agent.metrics();
    Await.until("stats poll failed", 10_000, () -> m.count("kvroute_agent_dropped_total", "reason",
        "malformed_stats") >= 1);
    assertThat(m.count("kvroute_agent_dropped_total", "reason", "malformed")).isEqualTo(2);
    assertThat(m.count("kvroute_agent_dropped_total", "reason", "malformed_event")).isGreaterThanOrEqualTo(3);
    assertThat(m.count("kvroute_agent_dropped_total", "reason", "oversize_block")).isEqualTo(1);

    RecoveryJson.EventsPage page = RecoveryJson.decodeEvents(TestHttp.get(harness.url("/v1/kv/events?after=-1"))
        .body());
    assertThat(page.batches().get(0).batch().events()).containsExactly(KvEvent.Stored.root(
        new long[] {-2L}, BlockHasher.create(B).localHashes(IntStream.range(100, 104).toArray())));
    assertThat(page.batches().get(1).batch().events()).containsExactly(new KvEvent.Removed(new long[] {1}));
    assertThat(harness.readyStatus()).isEqualTo(200);

    // the engine answers the proxy with 404: counted by route and outcome
    assertThat(TestHttp.post(harness.url("/v1/completions"), "{\"prompt\":[1,2]}").statusCode()).isEqualTo(404);
    // every metric the issue names, with its labels, in the Prometheus text
    PrometheusText.Parsed scrape = PrometheusText.parse(harness.scrape(), Set.of(
        "kvroute_agent_engine_events_in_total", "kvroute_agent_events_out_total", "kvroute_agent_dropped_total",
        "kvroute_agent_engine_event_gaps_total", "kvroute_agent_publish_seq", "kvroute_agent_proxy_requests_total"));
    assertThat(scrape.malformedLines()).isZero();
    assertThat(value(scrape, "kvroute_agent_engine_events_in_total", "type", "created")).isEqualTo(1);
    assertThat(value(scrape, "kvroute_agent_engine_events_in_total", "type", "stored")).isEqualTo(2);
    assertThat(value(scrape, "kvroute_agent_engine_events_in_total", "type", "removed")).isEqualTo(1);
    assertThat(value(scrape, "kvroute_agent_events_out_total", "type", "stored")).isEqualTo(1);
    assertThat(value(scrape, "kvroute_agent_events_out_total", "type", "removed")).isEqualTo(1);
    assertThat(value(scrape, "kvroute_agent_dropped_total", "reason", "oversize_block")).isEqualTo(1);
    // event ids 1 and 3 were malformed elements: the good ids 0, 2, 4, 5 miss two
    assertThat(value(scrape, "kvroute_agent_engine_event_gaps_total", null, null)).isEqualTo(2);
    assertThat(value(scrape, "kvroute_agent_publish_seq", null, null)).isEqualTo(1);
    assertThat(value(scrape, "kvroute_agent_proxy_requests_total", "outcome", "404")).isEqualTo(1);
    assertThat(scrape.get("kvroute_agent_proxy_requests_total").get(0).labels())
        .containsEntry("route", "completions").containsEntry("worker_id", "worker-t");
    TestAgents.await(fake.close());
  }

  /** The value of the one sample of {@code name} whose label {@code key} is {@code value} (any when key is null). */
  private static double value(PrometheusText.Parsed p, String name, String key, String value) {
    List<PrometheusText.Sample> match = p.get(name).stream()
        .filter(s -> key == null || value.equals(s.labels().get(key))).toList();
    assertThat(match).as(name + " " + key + "=" + value).hasSize(1);
    return match.get(0).value();
  }

  @Test
  void shouldNotBeReadyWhileTheEnginesTokensPerBlockAreNotTheBlockSize() throws Exception {
    // an engine with 8-token blocks beside an agent configured for 4
    SimConfig config = SimConfig.defaults().withPort("127.0.0.1", 0).withCapacity(2 * B, 64, 8, 512, 1000.0);
    SimEngineServer engine = TestAgents.await(SimEngineServer.start(harness.vertx(), config,
        ModelTokenizer.loadBundled()));
    harness.own(() -> TestAgents.await(engine.stop()));
    Agent agent = harness.start(TestAgents.trtllm(engine.baseUrl(), B));
    Await.until("first events seen", 10_000, () -> agent.metrics().count("kvroute_agent_engine_events_in_total",
        "type", "created") == 1);

    String body = new JsonObject().put("prompt", new JsonArray(IntStream.range(0, 4 * B).boxed().toList()))
        .put("max_tokens", 2).encode();
    assertThat(TestHttp.post(harness.url("/v1/completions"), body).statusCode()).isEqualTo(200);
    Await.until("the engine's block size seen", 10_000, () -> agent.metrics().scrape()
        .contains("kvroute_agent_engine_block_size{worker_id=\"worker-t\"} 8.0"));
    HttpResponse<String> ready = TestHttp.get(harness.url("/ready"));
    assertThat(ready.statusCode()).isEqualTo(503);
    assertThat(new JsonObject(ready.body()).getInteger("engine_block_size")).isEqualTo(2 * B);
    assertThat(new JsonObject(ready.body()).getBoolean("engine_up")).isTrue();
    Await.until("the engine's blocks dropped", 10_000, () -> agent.metrics().count("kvroute_agent_dropped_total",
        "reason", "oversize_block") >= 1);
    assertThat(agent.eventLog().tableSize()).isZero();
  }

  @Test
  void shouldRecoverWhenTheSimulatedEngineProcessIsKilledAndRestarted() throws Exception {
    int port = SimEngineProcess.freePort();
    List<String> engineArgs = List.of("--block-size", Integer.toString(B), "--num-blocks", "256",
        "--max-batch-size", "8", "--max-num-tokens", "512", "--speedup", "1000");
    SimEngineProcess engineProcess = harness.own(SimEngineProcess.start(port, engineArgs));
    Agent agent = harness.start(TestAgents.trtllm(engineProcess.baseUrl(), B));
    KvSubscriber sub = harness.subscribe();
    sub.awaitLoad(l -> true, 10_000);
    String url = harness.url("");
    Await.until("ready", 10_000, () -> harness.readyStatus() == 200);

    int[] prompt = IntStream.range(300, 300 + 3 * B).toArray();
    String body = new JsonObject().put("prompt", new JsonArray(Arrays.stream(prompt).boxed().toList()))
        .put("max_tokens", 2).encode();
    assertThat(TestHttp.post(url + "/v1/completions", body).statusCode()).isEqualTo(200);
    long[] expected = BlockHasher.create(B).localHashes(prompt);
    long storedSeq = sub.await(b -> b.batch().events().stream().anyMatch(e -> e instanceof KvEvent.Stored s
        && Arrays.equals(s.tokensHashes(), expected)), 10_000).seq();

    // SIGKILL: the engine is gone at once
    engineProcess.kill();
    Await.until("not ready", 10_000, () -> harness.readyStatus() == 503);
    assertThat(harness.scrape()).contains("kvroute_agent_engine_up{worker_id=\"worker-t\"} 0");
    Await.until("failed polls counted", 10_000,
        () -> agent.metrics().count("kvroute_agent_engine_polls_total", "outcome", "error") >= 2);
    assertThat(TestHttp.post(url + "/v1/completions", body).statusCode()).isEqualTo(502);

    // a new engine process on the same port: its event ids start at 0 with `created` again
    harness.own(SimEngineProcess.start(port, engineArgs));
    long clearedSeq = sub.await(b -> b.batch().events().contains(KvEvent.Cleared.INSTANCE), 15_000).seq();
    assertThat(clearedSeq).isGreaterThan(storedSeq); // the same agent: its stream went on
    Await.until("ready again", 10_000, () -> harness.readyStatus() == 200);
    assertThat(agent.eventLog().tableSize()).isZero();
    assertThat(TestHttp.post(url + "/v1/completions", body).statusCode()).isEqualTo(200);
    Await.until("table rebuilt", 10_000, () -> agent.eventLog().tableSize() == 3);
    RecoveryJson.Snapshot snap = RecoveryJson.decodeSnapshot(TestHttp.get(url + "/v1/kv/snapshot").body());
    assertThat(((KvEvent.Stored) snap.ranks().get(0).events().get(0)).tokensHashes()).isEqualTo(expected);
  }
}

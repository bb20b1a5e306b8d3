package io.kvroute.agent;

import static org.assertj.core.api.Assertions.assertThat;

import io.kvroute.agent.events.BlockTable;
import io.kvroute.common.codec.RecoveryJson;
import io.kvroute.common.codec.RecoveryJson.SeqBatch;
import io.kvroute.common.event.KvEvent;
import io.kvroute.common.event.KvEventBatch;
import io.kvroute.common.hash.BlockHasher;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** An agent with the embedded simulated engine, its ZMQ streams and recovery endpoints, on loopback. */
@Timeout(90)
class AgentSimIntegrationTest {

  private static final int B = 16;

  private Vertx vertx;
  private Agent agent;
  private KvSubscriber sub;
  private String url;

  @BeforeEach
  void start() throws Exception {
    vertx = Vertx.vertx();
  }

  private void startAgent(int numBlocks, int replayBuffer) throws Exception {
    agent = TestAgents.await(Agent.start(vertx, TestAgents.sim(B, numBlocks, replayBuffer, List.of())));
    sub = new KvSubscriber(agent.kvEventsPort(), agent.metricsPort());
    url = "http://127.0.0.1:" + agent.httpPort();
    // the metrics stream proves the subscriber is connected before any KV batch is published
    sub.awaitLoad(m -> true, 10_000);
    Await.until("agent ready", 10_000, () -> TestHttp.get(url + "/ready").statusCode() == 200);
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

  private static int[] prompt(int from, int n) {
    return IntStream.range(from, from + n).toArray();
  }

  private static String completion(int[] prompt, int maxTokens, boolean stream) {
    return new JsonObject().put("prompt", new JsonArray(Arrays.stream(prompt).boxed().toList()))
        .put("max_tokens", maxTokens).put("ignore_eos", true).put("stream", stream)
        .put("stream_options", new JsonObject().put("include_usage", true)).encode();
  }

  private static List<KvEvent.Stored> stored(List<SeqBatch> batches) {
    List<KvEvent.Stored> out = new ArrayList<>();
    for (SeqBatch b : batches) {
      for (KvEvent e : b.batch().events()) {
        if (e instanceof KvEvent.Stored s) {
          out.add(s);
        }
      }
    }
    return out;
  }

  @Test
  void shouldStreamPublishStoredBlocksReuseThemAndEvictThem() throws Exception {
    startAgent(24, 4096);
    int[] p = prompt(5000, 3 * B + 5);

    HttpResponse<String> streamed = TestHttp.post(url + "/v1/completions", completion(p, 6, true));
    assertThat(streamed.statusCode()).isEqualTo(200);
    assertThat(streamed.headers().firstValue("content-type")).hasValueSatisfying(
        v -> assertThat(v).startsWith("text/event-stream"));
    String[] sse = streamed.body().split("\n\n");
    assertThat(sse[sse.length - 1]).isEqualTo("data: [DONE]");
    assertThat(sse.length).isGreaterThanOrEqualTo(4);

    long[] expected = BlockHasher.create(B).localHashes(p);
    sub.await(b -> stored(List.of(b)).stream().anyMatch(s -> Arrays.equals(s.tokensHashes(), expected)), 10_000);
    KvEvent.Stored first = stored(sub.batches()).stream()
        .filter(s -> Arrays.equals(s.tokensHashes(), expected)).findFirst().orElseThrow();
    assertThat(first.hasParent()).isFalse();
    assertThat(sub.topics()).containsOnly("worker-t");

    JsonObject again = new JsonObject(TestHttp.post(url + "/v1/completions", completion(p, 6, false)).body());
    assertThat(again.getJsonObject("usage").getJsonObject("prompt_tokens_details").getInteger("cached_tokens"))
        .isEqualTo(3 * B);

    // Fill the 24-block cache with other prompts: the first prompt's blocks get evicted.
    for (int i = 0; i < 6; i++) {
      TestHttp.post(url + "/v1/completions", completion(prompt(10_000 + i * 1000, 4 * B), 4, false));
    }
    long evicted = first.blockHashes()[0];
    sub.await(b -> b.batch().events().stream().anyMatch(e -> e instanceof KvEvent.Removed r
        && Arrays.stream(r.blockHashes()).anyMatch(h -> h == evicted)), 10_000);
    JsonObject cold = new JsonObject(TestHttp.post(url + "/v1/completions", completion(p, 6, false)).body());
    assertThat(cold.getJsonObject("usage").getJsonObject("prompt_tokens_details").getInteger("cached_tokens"))
        .isZero();
    Await.until("the prompt stored again", 10_000, () -> stored(sub.batches()).stream()
        .filter(s -> Arrays.equals(s.tokensHashes(), expected)).count() == 2);

    // replay returns exactly what was published: seqs contiguous from 0, each equal to the live batch
    long last = agent.eventLog().lastSeq();
    sub.await(b -> b.seq() == last, 10_000);
    List<SeqBatch> received = sub.batches();
    RecoveryJson.EventsPage all = RecoveryJson.decodeEvents(TestHttp.get(url + "/v1/kv/events?after=-1").body());
    assertThat(all.lastSeq()).isEqualTo(last);
    assertThat(all.batches()).hasSize((int) last + 1);
    for (int i = 0; i <= last; i++) {
      assertThat(all.batches().get(i).seq()).isEqualTo(i);
    }
    for (SeqBatch live : received) {
      assertThat(all.batches().get((int) live.seq())).isEqualTo(live);
    }
    assertThat(received.size()).isGreaterThanOrEqualTo((int) last); // at most a slow-joiner loss of seq 0
    List<SeqBatch> published = all.batches();

    // a subscriber that lost batch k repairs the gap from /v1/kv/events?after=k-1
    int k = published.size() / 2;
    RecoveryJson.EventsPage repair = RecoveryJson.decodeEvents(
        TestHttp.get(url + "/v1/kv/events?after=" + (k - 1)).body());
    assertThat(repair.batches().get(0)).isEqualTo(published.get(k));
    assertThat(repair.batches()).isEqualTo(published.subList(k, published.size()));

    // the snapshot is the table the published stream builds
    RecoveryJson.Snapshot snap = RecoveryJson.decodeSnapshot(TestHttp.get(url + "/v1/kv/snapshot").body());
    assertThat(snap.seq()).isEqualTo(published.size() - 1);
    assertThat(snap.blockSize()).isEqualTo(B);
    assertThat(snap.workerId()).isEqualTo("worker-t");
    BlockTable fromStream = new BlockTable();
    published.forEach(b -> fromStream.apply(b.batch()));
    BlockTable fromSnapshot = new BlockTable();
    snap.ranks().forEach(fromSnapshot::apply);
    assertThat(flatten(fromSnapshot)).isEqualTo(flatten(fromStream)).isNotEmpty();
    assertThat(TestHttp.get(url + "/v1/kv/events?after=x").statusCode()).isEqualTo(400);

    String metrics = TestHttp.get(url + "/metrics").body();
    assertThat(metrics).contains("kvroute_agent_events_out_total").contains("kvroute_agent_publish_seq")
        .contains("kvroute_agent_proxy_requests_total");
    assertThat(sub.load()).anySatisfy(m -> {
      assertThat(m.kvTotalBlocks()).isEqualTo(24);
      assertThat(m.workerId()).isEqualTo("worker-t");
    });
  }

  @Test
  void shouldAnswerGoneWhenTheSeqLeftTheRingAndServeASnapshotInstead() throws Exception {
    startAgent(64, 2);
    for (int i = 0; i < 4; i++) {
      TestHttp.post(url + "/v1/completions", completion(prompt(i * 1000, 2 * B), 2, false));
      int blocks = 2 * (i + 1);
      Await.until("blocks stored", 10_000, () -> agent.eventLog().tableSize() == blocks);
    }
    assertThat(agent.eventLog().lastSeq()).isEqualTo(3);
    HttpResponse<String> gone = TestHttp.get(url + "/v1/kv/events?after=0");
    assertThat(gone.statusCode()).isEqualTo(410);
    assertThat(new JsonObject(gone.body()).getJsonObject("error").getString("message")).contains("snapshot");
    long last = agent.eventLog().lastSeq();
    RecoveryJson.EventsPage tail = RecoveryJson.decodeEvents(TestHttp.get(url + "/v1/kv/events?after=" + (last - 1))
        .body());
    assertThat(tail.batches()).hasSize(1);
    RecoveryJson.Snapshot snap = RecoveryJson.decodeSnapshot(TestHttp.get(url + "/v1/kv/snapshot").body());
    assertThat(snap.blockCount()).isEqualTo(4 * 2);
    JsonObject info = new JsonObject(TestHttp.get(url + "/v1/info").body());
    assertThat(info.getInteger("block_size")).isEqualTo(B);
    assertThat(info.getString("engine")).isEqualTo("sim");
    assertThat(info.getInteger("kv_events_port")).isEqualTo(agent.kvEventsPort());
  }

  static java.util.Map<Long, List<Long>> flatten(BlockTable table) {
    java.util.Map<Long, List<Long>> out = new java.util.HashMap<>();
    for (KvEventBatch b : table.toStoredEvents()) {
      for (KvEvent e : b.events()) {
        KvEvent.Stored s = (KvEvent.Stored) e;
        long parent = s.hasParent() ? s.parentHash() : 0;
        boolean hasParent = s.hasParent();
        for (int i = 0; i < s.size(); i++) {
          out.put(s.blockHashes()[i], List.of((long) b.dpRank(), hasParent ? parent : -1L, s.tokensHashes()[i]));
          parent = s.blockHashes()[i];
          hasParent = true;
        }
      }
    }
    return out;
  }
}

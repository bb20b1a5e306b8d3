package io.kvroute.agent;

import static org.assertj.core.api.Assertions.assertThat;

import io.kvroute.agent.events.BlockTable;
import io.kvroute.common.codec.RecoveryJson;
import io.kvroute.common.codec.RecoveryJson.SeqBatch;
import io.kvroute.common.event.KvEvent;
import io.kvroute.common.event.KvEventBatch;
import io.kvroute.common.hash.BlockHasher;
import io.kvroute.agent.sim.SimConfig;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/** An agent with the embedded simulated engine, its ZMQ streams and recovery endpoints, on loopback. */
@Timeout(90)
class AgentSimIntegrationTest {

  private static final int B = 16;

  @RegisterExtension
  final AgentHarness harness = new AgentHarness();
  private Agent agent;
  private KvSubscriber sub;
  private String url;

  private void startAgent(int numBlocks, int replayBuffer) throws Exception {
    agent = harness.start(TestAgents.sim(B, numBlocks, replayBuffer, List.of()));
    sub = harness.subscribe();
    url = harness.url("");
    // the metrics stream proves the subscriber is connected before any KV batch is published
    sub.awaitLoad(m -> true, 10_000);
    Await.until("agent ready", 10_000, () -> harness.readyStatus() == 200);
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
    // the engine's block hashes are its own, not the router's hash of the tokens (as TRT-LLM)
    for (int i = 0; i < expected.length; i++) {
      assertThat(first.blockHashes()[i]).isNotEqualTo(expected[i]);
    }
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
    assertThat(info.getString("worker_id")).isEqualTo("worker-t");
    assertThat(info.getString("model")).isEqualTo(SimConfig.DEFAULT_MODEL);
    assertThat(info.getInteger("block_size")).isEqualTo(B);
    assertThat(info.getString("engine")).isEqualTo("sim");
    assertThat(info.getInteger("http_port")).isEqualTo(agent.httpPort());
    assertThat(info.getInteger("kv_events_port")).isEqualTo(agent.kvEventsPort());
    assertThat(info.getInteger("metrics_port")).isEqualTo(agent.metricsPort());
    assertThat(info.getString("engine_url")).isEqualTo(agent.simEngine().baseUrl());
    assertThat(TestHttp.get(url + "/health").statusCode()).isEqualTo(200);
  }

  /** What a subscriber rebuilt from the stream it received, and the repairs it needed. */
  private record Rebuilt(BlockTable table, List<String> repairs) {
  }

  /**
   * Rebuilds the block table from the batches a subscriber received, as a router does: a seq that is not the last
   * one + 1 is a gap, repaired from {@code /v1/kv/events?after=last}, or, when that answers 410, by loading
   * {@code /v1/kv/snapshot} and going on with the batches after its seq.
   */
  private Rebuilt rebuild(List<SeqBatch> received) throws Exception {
    BlockTable table = new BlockTable();
    List<String> repairs = new ArrayList<>();
    long last = -1;
    for (SeqBatch b : received) {
      if (b.seq() <= last) {
        continue; // already in the table (from a snapshot)
      }
      if (b.seq() != last + 1) {
        HttpResponse<String> replay = TestHttp.get(url + "/v1/kv/events?after=" + last);
        repairs.add("after=" + last + ":" + replay.statusCode());
        if (replay.statusCode() == 200) {
          for (SeqBatch missed : RecoveryJson.decodeEvents(replay.body()).batches()) {
            if (missed.seq() < b.seq()) {
              table.apply(missed.batch());
              last = missed.seq();
            }
          }
        } else {
          RecoveryJson.Snapshot snap = RecoveryJson.decodeSnapshot(TestHttp.get(url + "/v1/kv/snapshot").body());
          table = new BlockTable();
          snap.ranks().forEach(table::apply);
          last = snap.seq();
        }
      }
      if (b.seq() > last) {
        assertThat(b.seq()).as("gap repaired").isEqualTo(last + 1);
        table.apply(b.batch());
        last = b.seq();
      }
    }
    return new Rebuilt(table, repairs);
  }

  private void storePrompts(int count, int from) throws Exception {
    for (int i = 0; i < count; i++) {
      long before = agent.eventLog().lastSeq();
      TestHttp.post(url + "/v1/completions", completion(prompt(from + i * 1000, 2 * B), 2, false));
      Await.until("one batch published", 10_000, () -> agent.eventLog().lastSeq() == before + 1);
    }
  }

  @Test
  void shouldLetASubscriberThatLostABatchRepairTheGapFromTheReplayEndpoint() throws Exception {
    startAgent(64, 4096);
    KvSubscriber lossy = harness.own(new KvSubscriber(agent.kvEventsPort(), agent.metricsPort(), seq -> seq == 2));
    lossy.awaitLoad(m -> true, 10_000);
    storePrompts(5, 0);
    lossy.await(b -> b.seq() == 4, 10_000);
    assertThat(lossy.batches()).extracting(SeqBatch::seq).doesNotContain(2L).contains(1L, 3L, 4L);

    Rebuilt rebuilt = rebuild(lossy.batches());
    // (a subscriber that joined after seq 0 was sent repairs that too, first: "after=-1")
    assertThat(rebuilt.repairs()).endsWith("after=1:200");
    assertThat(flatten(rebuilt.table())).isEqualTo(flatten(snapshotTable())).hasSize(5 * 2);
  }

  @Test
  void shouldLetASubscriberWhoseMissingBatchLeftTheRingRecoverFromTheSnapshot() throws Exception {
    startAgent(64, 2);
    KvSubscriber lossy = harness.own(new KvSubscriber(agent.kvEventsPort(), agent.metricsPort(), seq -> seq == 1));
    lossy.awaitLoad(m -> true, 10_000);
    storePrompts(5, 50_000);
    lossy.await(b -> b.seq() == 4, 10_000);

    Rebuilt rebuilt = rebuild(lossy.batches());
    // the batches after seq 0 are no longer in the 2-batch ring ("after=-1" if it joined after seq 0 was sent)
    assertThat(rebuilt.repairs()).hasSize(1).allSatisfy(r -> assertThat(r).endsWith(":410"));
    assertThat(flatten(rebuilt.table())).isEqualTo(flatten(snapshotTable())).hasSize(5 * 2);
  }

  private BlockTable snapshotTable() throws Exception {
    BlockTable t = new BlockTable();
    RecoveryJson.decodeSnapshot(TestHttp.get(url + "/v1/kv/snapshot").body()).ranks().forEach(t::apply);
    return t;
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

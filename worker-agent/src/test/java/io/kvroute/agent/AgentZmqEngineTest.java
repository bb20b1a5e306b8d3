package io.kvroute.agent;

import static org.assertj.core.api.Assertions.assertThat;

import io.kvroute.common.codec.KvFrames;
import io.kvroute.common.codec.RecoveryJson;
import io.kvroute.common.codec.VllmBatch;
import io.kvroute.common.codec.VllmBatchCodec;
import io.kvroute.common.codec.VllmEvent;
import io.kvroute.common.event.KvEvent;
import io.kvroute.common.hash.BlockHasher;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.stream.IntStream;
import org.msgpack.core.MessageBufferPacker;
import org.msgpack.core.MessagePack;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The zmq adapter against a vLLM-format publisher with a replay socket ({@link FakeVllmEngine}). */
@Timeout(60)
class AgentZmqEngineTest {

  private static final int B = 4;

  @RegisterExtension
  final AgentHarness harness = new AgentHarness();


  private static byte[] storedBatch(int from, long hash, Long parent) {
    int[] tokens = IntStream.range(from, from + B).toArray();
    return VllmBatchCodec.encode(new VllmBatch(1.0, List.of(new VllmEvent.BlockStored(new long[] {hash}, parent,
        tokens, B, null, null, null)), 0));
  }

  /** A well-formed batch whose one event has a type vLLM does not have. */
  private static byte[] unknownEventType() throws java.io.IOException {
    try (MessageBufferPacker p = MessagePack.newDefaultBufferPacker()) {
      p.packArrayHeader(2).packDouble(2.0).packArrayHeader(1).packMapHeader(1).packString("type")
          .packString("BlockTeleported");
      return p.toByteArray();
    }
  }

  @Test
  void shouldConvertVllmBatchesRepairAGapThroughReplaySkipBadMessagesAndClearOnRestart() throws Exception {
    FakeVllmEngine engine = harness.own(new FakeVllmEngine(true));
    Agent agent = harness.start(TestAgents.zmq(engine.eventsEndpoints(), engine.replayEndpoints(), B));

    // until the agent's SUB has joined, resending seq 0 is harmless (duplicates are dropped)
    Await.until("first batch through", 10_000, () -> {
      engine.publish(0, 0, storedBatch(0, 100, null));
      return agent.eventLog().lastSeq() >= 0;
    });
    engine.lose(0, 1, storedBatch(4, 101, 100L)); // lost on hop 1: repaired from the replay socket
    engine.publish(0, 2, storedBatch(8, 102, 101L));
    // another block size: dropped with its reason
    engine.publish(0, 3, VllmBatchCodec.encode(new VllmBatch(2.0, List.of(new VllmEvent.BlockStored(new long[] {103},
        102L, IntStream.range(0, 8).toArray(), 8, null, null, null)), 0)));
    // bad engine output: a message of two frames, a payload that is not msgpack, an unknown event type
    engine.send(0, KvFrames.seqBytes(4));
    engine.send(0, KvFrames.seqBytes(4), "not msgpack".getBytes(StandardCharsets.UTF_8));
    engine.publish(0, 5, unknownEventType());
    engine.publish(0, 6, VllmBatchCodec.encode(new VllmBatch(2.0, List.of(new VllmEvent.BlockRemoved(new long[] {102},
        null)), 0)));
    Await.until("gap repaired, bad messages skipped, live batches applied", 10_000,
        () -> agent.eventLog().lastSeq() >= 3);

    RecoveryJson.EventsPage page = RecoveryJson.decodeEvents(TestHttp.get(harness.url("/v1/kv/events?after=-1"))
        .body());
    BlockHasher h = BlockHasher.create(B);
    assertThat(page.batches()).extracting(b -> b.batch().events().get(0)).containsExactly(
        KvEvent.Stored.root(new long[] {100}, h.localHashes(IntStream.range(0, 4).toArray())),
        KvEvent.Stored.under(100, new long[] {101}, h.localHashes(IntStream.range(4, 8).toArray())),
        KvEvent.Stored.under(101, new long[] {102}, h.localHashes(IntStream.range(8, 12).toArray())),
        new KvEvent.Removed(new long[] {102}));
    AgentMetrics m = agent.metrics();
    assertThat(m.engineGapEvents()).isEqualTo(1);
    assertThat(engine.replayRequests()).containsOnly(1L);
    assertThat(m.count("kvroute_agent_dropped_total", "reason", "block_size_mismatch")).isEqualTo(1);
    assertThat(m.count("kvroute_agent_dropped_total", "reason", "malformed_frames")).isEqualTo(1);
    assertThat(m.count("kvroute_agent_dropped_total", "reason", "malformed")
        + m.count("kvroute_agent_dropped_total", "reason", "unknown_event_type")).isEqualTo(2);

    // the engine restarts: its seq starts again at 0
    engine.forget(0);
    engine.publish(0, 0, storedBatch(20, 200, null));
    Await.until("cleared and new store", 10_000, () -> agent.eventLog().lastSeq() >= 5);
    assertThat(RecoveryJson.decodeEvents(TestHttp.get(harness.url("/v1/kv/events?after=3")).body()).batches())
        .extracting(b -> b.batch().events().get(0)).containsExactly(KvEvent.Cleared.INSTANCE,
            KvEvent.Stored.root(new long[] {200}, h.localHashes(IntStream.range(20, 24).toArray())));
    RecoveryJson.Snapshot snap = RecoveryJson.decodeSnapshot(TestHttp.get(harness.url("/v1/kv/snapshot")).body());
    assertThat(snap.blockCount()).isEqualTo(1);
    assertThat(harness.readyStatus()).isEqualTo(200);
  }
}

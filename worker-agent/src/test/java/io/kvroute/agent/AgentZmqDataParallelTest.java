package io.kvroute.agent;

import static org.assertj.core.api.Assertions.assertThat;

import io.kvroute.agent.sim.SimConfig;
import io.kvroute.common.codec.RecoveryJson;
import io.kvroute.common.codec.VllmBatch;
import io.kvroute.common.codec.VllmBatchCodec;
import io.kvroute.common.codec.VllmEvent;
import io.kvroute.common.event.KvEvent;
import io.vertx.core.json.JsonObject;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A data-parallel engine with one PUB socket per rank (as Dynamo's per-rank ports): rank 0 without a replay socket,
 * rank 1 with one. Seqs are tracked per rank, a batch without dp_rank takes its socket's rank, and a batch's own
 * dp_rank wins.
 */
@Timeout(60)
class AgentZmqDataParallelTest {

  private static final int B = 4;

  @RegisterExtension
  final AgentHarness harness = new AgentHarness();


  private static byte[] stored(long hash, Integer dpRank) {
    int[] tokens = IntStream.range((int) hash, (int) hash + B).toArray();
    return VllmBatchCodec.encode(new VllmBatch(1.0, List.of(new VllmEvent.BlockStored(new long[] {hash}, null,
        tokens, B, null, null, null)), dpRank));
  }

  @Test
  void shouldTrackEachRanksSeqAndTagBatchesWithTheirRank() throws Exception {
    FakeVllmEngine engine = harness.own(new FakeVllmEngine(false, true));
    Agent agent = harness.start(new AgentConfig(0, "worker-dp", "zmq", "", engine.eventsEndpoints(),
        engine.replayEndpoints(), 0, 0, 0, B, SimConfig.DEFAULT_MODEL, List.of(), "127.0.0.1", "127.0.0.1", 4096, "",
        SimConfig.defaults()));
    Await.until("both ranks subscribed", 10_000, () -> harness.readyStatus() == 200);
    assertThat(new JsonObject(TestHttp.get(harness.url("/v1/info")).body()).getInteger("dp_size")).isEqualTo(2);

    // until a SUB has joined, resending seq 0 is harmless (duplicates are dropped)
    Await.until("rank 0 seq 0", 10_000, () -> {
      engine.publish(0, 0, stored(100, null));
      return agent.eventLog().lastSeq() >= 0;
    });
    Await.until("rank 1 seq 0", 10_000, () -> {
      engine.publish(1, 0, stored(200, null));
      return agent.eventLog().lastSeq() >= 1;
    });
    // the batch's own dp_rank wins over its socket's, even when it is 0
    engine.publish(1, 1, stored(201, 0));
    Await.until("rank 1 seq 1", 10_000, () -> agent.eventLog().lastSeq() >= 2);
    // rank 0 continues at its own seq 1: neither a gap nor a restart
    engine.publish(0, 1, stored(101, null));
    Await.until("rank 0 seq 1", 10_000, () -> agent.eventLog().lastSeq() >= 3);
    // rank 1 loses seq 2 on the wire: repaired from rank 1's replay socket
    engine.lose(1, 2, stored(202, null));
    engine.publish(1, 3, stored(203, 1));
    Await.until("rank 1 gap repaired", 10_000, () -> agent.eventLog().lastSeq() >= 5);

    RecoveryJson.EventsPage page = RecoveryJson.decodeEvents(TestHttp.get(harness.url("/v1/kv/events?after=-1"))
        .body());
    assertThat(page.batches()).extracting(b -> b.batch().dpRank() + ":"
        + ((KvEvent.Stored) b.batch().events().get(0)).blockHashes()[0])
        .containsExactly("0:100", "1:200", "0:201", "0:101", "1:202", "1:203");
    assertThat(agent.metrics().engineGapEvents()).isEqualTo(1);
    assertThat(engine.replayRequests()).containsOnly(2L);
    assertThat(TestHttp.get(harness.url("/v1/kv/snapshot")).statusCode()).isEqualTo(200);
    assertThat(agent.eventLog().tableSize()).isEqualTo(6);
  }
}

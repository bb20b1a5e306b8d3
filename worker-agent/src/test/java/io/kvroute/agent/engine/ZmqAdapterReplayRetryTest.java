package io.kvroute.agent.engine;

import static org.assertj.core.api.Assertions.assertThat;

import io.kvroute.agent.AgentMetrics;
import io.kvroute.agent.Await;
import io.kvroute.agent.FakeVllmEngine;
import io.kvroute.agent.events.KvEventLog;
import io.kvroute.common.codec.VllmBatch;
import io.kvroute.common.codec.VllmBatchCodec;
import io.kvroute.common.codec.VllmEvent;
import io.kvroute.common.event.KvEvent;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A replay request that the engine never answers (lost on the way, or dropped by the engine) is asked again on a
 * fresh DEALER, a bounded number of times. The engine is a {@link FakeVllmEngine} told to ignore requests; the
 * adapter runs with a short replay timeout so that the test stays quick.
 */
@Timeout(30)
class ZmqAdapterReplayRetryTest {

  private static final int B = 4;
  private static final int REPLAY_TIMEOUT_MS = 200;

  private FakeVllmEngine engine;
  private AgentMetrics metrics;
  private KvEventLog log;
  private ZmqAdapter adapter;

  @BeforeEach
  void start() throws Exception {
    engine = new FakeVllmEngine(true);
    metrics = new AgentMetrics("worker-r", () -> true);
    log = new KvEventLog("worker-r", B, 64, metrics, (seq, payload) -> { });
    adapter = new ZmqAdapter(List.of(engine.eventsEndpoint(0)), List.of(engine.replayEndpoints()), null, B, log,
        metrics, () -> null, new EngineHttpProbe(null, null, metrics), REPLAY_TIMEOUT_MS);
    adapter.start();
  }

  @AfterEach
  void stop() throws Exception {
    if (adapter != null) {
      adapter.close();
    }
    engine.close();
  }

  private static byte[] stored(long hash) {
    int[] tokens = IntStream.range((int) hash, (int) hash + B).toArray();
    return VllmBatchCodec.encode(new VllmBatch(1.0, List.of(new VllmEvent.BlockStored(new long[] {hash}, null,
        tokens, B, null, null, null)), 0));
  }

  /** Puts a batch in the engine's ring, and sends it live when {@code live}. */
  private void batch(long seq, long hash, boolean live) {
    if (live) {
      engine.publish(0, seq, stored(hash));
    } else {
      engine.lose(0, seq, stored(hash));
    }
  }

  private List<Long> publishedHashes() {
    return log.eventsAfter(-1).batches().stream()
        .map(b -> ((KvEvent.Stored) b.batch().events().get(0)).blockHashes()[0]).toList();
  }

  @Test
  void shouldAskAgainOnAFreshDealerWhenAReplayRequestGetsNoAnswerAndGiveUpAfterTheBound() throws Exception {
    // until the SUB has joined, resending seq 0 is harmless (duplicates are dropped)
    Await.until("first batch through", 10_000, () -> {
      batch(0, 100, true);
      return log.lastSeq() >= 0;
    });

    // seq 1 lost on the wire, and the engine loses the first replay request too: the second one repairs the gap
    engine.ignoreReplayRequests(1);
    batch(1, 101, false);
    batch(2, 102, true);
    Await.until("gap repaired by the retry", 10_000, () -> log.lastSeq() >= 2);
    assertThat(publishedHashes()).containsExactly(100L, 101L, 102L);
    // The engine ignored the first request it got, so at least one retry was needed (a request can also be lost
    // before it reaches the engine, which is what the retry is for: then it took more).
    double retries = metrics.count("kvroute_agent_engine_replay_retries_total");
    assertThat(retries).isGreaterThanOrEqualTo(1);
    List<Long> requests = engine.replayRequests();
    assertThat(requests).hasSizeGreaterThanOrEqualTo(2).containsOnly(1L);
    int before = requests.size();

    // an engine that never answers: after the bounded attempts the stream goes on without the missing batch
    engine.ignoreReplayRequests(Integer.MAX_VALUE);
    batch(3, 103, false);
    batch(4, 104, true);
    Await.until("stream goes on after the last attempt", 10_000, () -> log.lastSeq() >= 3);
    assertThat(publishedHashes()).containsExactly(100L, 101L, 102L, 104L);
    assertThat(metrics.count("kvroute_agent_engine_replay_retries_total") - retries)
        .isEqualTo(ZmqAdapter.REPLAY_ATTEMPTS - 1);
    assertThat(ZmqAdapter.REPLAY_ATTEMPTS).isEqualTo(3);
    // what reached the engine: only requests for seq 3, at most one per attempt
    requests = engine.replayRequests();
    assertThat(requests.subList(before, requests.size())).hasSizeLessThanOrEqualTo(ZmqAdapter.REPLAY_ATTEMPTS)
        .allSatisfy(seq -> assertThat(seq).isEqualTo(3L));
    assertThat(metrics.count("kvroute_agent_dropped_total", "reason", "replay_incomplete")).isEqualTo(1);
    assertThat(metrics.engineGapEvents()).isEqualTo(2);
  }
}

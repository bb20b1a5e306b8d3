package io.kvroute.agent.publish;

import static org.assertj.core.api.Assertions.assertThat;

import io.kvroute.agent.Await;
import io.kvroute.agent.KvSubscriber;
import io.kvroute.common.codec.AgentBatchCodec;
import io.kvroute.common.codec.LoadMetrics;
import io.kvroute.common.codec.RecoveryJson.SeqBatch;
import io.kvroute.common.event.KvEvent;
import io.kvroute.common.event.KvEventBatch;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The two PUB sockets on loopback, with the metrics period measured on a clock the test moves by hand: a load
 * message goes out when the load changes and when 100 ms have passed since the last one, never otherwise.
 */
@Timeout(30)
class ZmqPublisherTest {

  private static final long MS = 1_000_000L;

  private final AtomicLong now = new AtomicLong(1_000 * MS);
  private final AtomicReference<LoadMetrics> load = new AtomicReference<>(new LoadMetrics(1, 0.5, 2, 8, 16, null, 0));
  private ZmqPublisher publisher;
  private KvSubscriber sub;

  @AfterEach
  void stop() {
    if (sub != null) {
      sub.close();
    }
    if (publisher != null) {
      publisher.close();
    }
  }

  /** Load messages that arrive within a while: after the test's last move, none may be on its way. */
  private int loadMessagesAfterSettling() throws InterruptedException {
    Thread.sleep(300);
    return sub.load().size();
  }

  @Test
  void shouldPublishLoadOnChangeAndEvery100MsAndKvBatchesWithTheirSeq() throws Exception {
    publisher = new ZmqPublisher("127.0.0.1", 0, 0, "worker-p", load::get, now::get).start();
    sub = new KvSubscriber(publisher.kvPort(), publisher.metricsPort());
    // the subscriber joins at some point: until then keep the period elapsing so that messages keep coming
    Await.until("subscribed to the metrics stream", 10_000, () -> {
      now.addAndGet(100 * MS);
      return !sub.load().isEmpty();
    });
    LoadMetrics first = sub.load().get(0);
    assertThat(first.numWaitingReqs()).isEqualTo(1);
    assertThat(first.kvCacheUsage()).isEqualTo(0.5);
    assertThat(first.numRunningReqs()).isEqualTo(2);
    assertThat(first.kvUsedBlocks()).isEqualTo(8);
    assertThat(first.kvTotalBlocks()).isEqualTo(16);
    assertThat(first.workerId()).isEqualTo("worker-p");

    // the clock stands still and the load does not change: nothing more
    int settled = loadMessagesAfterSettling();
    assertThat(loadMessagesAfterSettling()).isEqualTo(settled);

    // the load changes: one message at once, although the period has not elapsed
    load.set(new LoadMetrics(0, 0.25, 3, 4, 16, null, 0));
    sub.awaitLoad(m -> m.numRunningReqs() == 3, 10_000);
    assertThat(loadMessagesAfterSettling()).isEqualTo(settled + 1);

    // 99 ms later: still nothing; at 100 ms the same load again
    now.addAndGet(99 * MS);
    assertThat(loadMessagesAfterSettling()).isEqualTo(settled + 1);
    now.addAndGet(MS);
    Await.until("the periodic message", 10_000, () -> sub.load().size() == settled + 2);
    assertThat(sub.load().get(settled + 1).numRunningReqs()).isEqualTo(3);

    // no load (engine down): nothing at all, whatever the clock says
    load.set(null);
    now.addAndGet(500 * MS);
    assertThat(loadMessagesAfterSettling()).isEqualTo(settled + 2);

    // KV batches go out in the order and with the seq they were handed over (the KV socket subscribed along with
    // the metrics one, which has been receiving for a while)
    KvEventBatch batch = new KvEventBatch(1.0, List.of(new KvEvent.Removed(new long[] {7})), 0);
    for (long seq = 0; seq < 3; seq++) {
      publisher.send(seq, AgentBatchCodec.encode(batch));
    }
    Await.until("batches arrive", 10_000, () -> sub.batches().size() == 3);
    assertThat(sub.topics()).containsOnly("worker-p");
    assertThat(sub.batches()).extracting(SeqBatch::seq).containsExactly(0L, 1L, 2L);
    assertThat(sub.batches()).extracting(SeqBatch::batch).containsOnly(batch);
  }
}

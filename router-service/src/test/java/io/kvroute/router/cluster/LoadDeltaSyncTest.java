package io.kvroute.router.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import io.kvroute.common.hash.BlockHasher;
import io.kvroute.router.core.LoadView;
import io.kvroute.router.core.RouterCore;
import io.kvroute.router.core.RouterCoreConfig;
import io.kvroute.router.core.Target;
import io.kvroute.router.testing.MutableClock;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Publisher → bytes → applier between two real cores, with an in-memory "topic" that delivers every batch to every
 * subscriber (the publisher's own replica included, as a Hazelcast topic does).
 */
class LoadDeltaSyncTest {

  private static final int B = 4;
  private final MutableClock clockA = new MutableClock();
  private final MutableClock clockB = new MutableClock();
  private final RouterCore coreA = RouterCore.create(config(), clockA);
  private final RouterCore coreB = RouterCore.create(config(), clockB);
  private final ClusterMetrics metricsA = new ClusterMetrics(new SimpleMeterRegistry());
  private final ClusterMetrics metricsB = new ClusterMetrics(new SimpleMeterRegistry());
  private final List<LoadDeltaApplier> subscribers = new CopyOnWriteArrayList<>();
  private final List<LoadDeltaPublisher> publishers = new ArrayList<>();

  private static RouterCoreConfig config() {
    return new RouterCoreConfig(B, "kv", 1.0, 1.0, 0.0, 0.0, Duration.ofSeconds(300), 1);
  }

  @AfterEach
  void close() {
    publishers.forEach(LoadDeltaPublisher::close);
    coreA.close();
    coreB.close();
  }

  private LoadDeltaPublisher publisher(String replica, ClusterMetrics m, int capacity) {
    LoadDeltaPublisher p = new LoadDeltaPublisher(replica, bytes -> subscribers.forEach(s -> s.onBatch(bytes)), m,
        System::currentTimeMillis, capacity, 256, 1_000_000L);
    publishers.add(p);
    return p;
  }

  @Test
  void shouldMirrorBookingPrefillAndReleaseAndIgnoreOwnDeltas() {
    subscribers.add(new LoadDeltaApplier("a", coreA, metricsA, System::currentTimeMillis));
    subscribers.add(new LoadDeltaApplier("b", coreB, metricsB, System::currentTimeMillis));
    LoadDeltaPublisher pubA = publisher("a", metricsA, 1000);
    Target w0 = new Target("worker-0", 0);
    long[] local = {11, 22, 33};

    // What RoutingService does on replica A: its core books, then the listener publishes.
    coreA.book("req-1", w0, BlockHasher.sequenceHashes(local), 12, 1);
    pubA.onBooked("req-1", w0, local, 12, 1);
    await("B sees the booking", () -> coreB.loads().containsKey(w0));
    assertThat(coreB.loads().get(w0)).isEqualTo(new LoadView(8, 3, 1));
    assertThat(coreA.loads().get(w0)).as("own delta not applied twice").isEqualTo(new LoadView(8, 3, 1));

    coreA.prefillDone("req-1");
    pubA.onPrefillDone("req-1");
    await("B sees prefill done", () -> coreB.loads().get(w0).prefillTokens() == 0);

    coreA.release("req-1");
    pubA.onReleased("req-1");
    await("B sees the release", () -> coreB.loads().isEmpty());
    // Both counters move just after the work they count (apply, then count; send, then count), so wait for them.
    await("B counted 3 applied", () -> metricsB.appliedCount() == 3);
    await("A counted 3 sent", () -> metricsA.sentCount() == 3);
    assertThat(metricsB.appliedCount()).isEqualTo(3);
    assertThat(metricsA.appliedCount()).isZero();
    assertThat(metricsA.sentCount()).isEqualTo(3);
  }

  @Test
  void shouldExpireRemoteBookingsWhoseReleaseWasLost() {
    subscribers.add(new LoadDeltaApplier("b", coreB, metricsB, System::currentTimeMillis));
    LoadDeltaPublisher pubA = publisher("a", metricsA, 1000);
    Target w1 = new Target("worker-1", 0);
    pubA.onBooked("lost-release", w1, new long[] {1, 2}, 8, 0);
    await("B sees the booking", () -> coreB.loads().containsKey(w1));

    clockB.advance(Duration.ofSeconds(299));
    assertThat(coreB.expireStale()).isZero();
    clockB.advance(Duration.ofSeconds(2));
    assertThat(coreB.expireStale()).isEqualTo(1);
    assertThat(coreB.loads()).isEmpty();
    // A late release of the expired request is harmless and counted.
    pubA.onReleased("lost-release");
    await("unknown release counted", () -> metricsB.droppedCount("unknown_request") == 1);
  }

  @Test
  void shouldDropTheNewestDeltaWhenTheQueueIsFullInsteadOfBlocking() throws Exception {
    java.util.concurrent.CountDownLatch stuck = new java.util.concurrent.CountDownLatch(1);
    LoadDeltaPublisher slow = new LoadDeltaPublisher("a", bytes -> {
      try {
        stuck.await(10, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }, metricsA, System::currentTimeMillis, 4, 1, 0L);
    publishers.add(slow);
    for (int i = 0; i < 50; i++) {
      slow.onReleased("r" + i);
    }
    // One batch is stuck in the sink, at most 4 wait: the rest were dropped at once.
    assertThat(metricsA.droppedCount("queue_full")).isGreaterThanOrEqualTo(45);
    stuck.countDown();
  }

  @Test
  void shouldCountMalformedBatchesAndKeepApplying() {
    LoadDeltaApplier b = new LoadDeltaApplier("b", coreB, metricsB, System::currentTimeMillis);
    b.onBatch(new byte[] {1, 2, 3});
    b.onBatch(null);
    assertThat(metricsB.droppedCount("malformed")).isEqualTo(2);
    b.onBatch(DeltaBatchCodec.encode(new DeltaBatch("a", System.currentTimeMillis(), List.of(
        LoadDelta.booked("q", "worker-0", 0, 4, 0, new long[] {9})))));
    assertThat(coreB.loads()).containsKey(new Target("worker-0", 0));
  }

  private static void await(String what, BooleanSupplier condition) {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() - deadline > 0) {
        throw new AssertionError("condition not reached: " + what);
      }
      Thread.onSpinWait();
      try {
        Thread.sleep(2);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new AssertionError(e);
      }
    }
  }

}

package io.kvroute.router.cluster;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Replica metrics: cluster members, load deltas sent / applied / dropped (by kind or reason), the publisher queue
 * and replica lag (time from a batch being sealed by its publisher to being applied here). Meters are created once
 * per kind/reason and cached, so the delta path does a map lookup and no registration.
 */
public final class ClusterMetrics {

  private final MeterRegistry registry;
  private final AtomicInteger members = new AtomicInteger();
  private final Map<String, Counter> sent = new ConcurrentHashMap<>();
  private final Map<String, Counter> applied = new ConcurrentHashMap<>();
  private final Map<String, Counter> dropped = new ConcurrentHashMap<>();
  private final Counter batchesSent;
  private final Counter batchesReceived;
  private final Timer lag;

  public ClusterMetrics(MeterRegistry registry) {
    this.registry = registry;
    Gauge.builder("kvroute.router.cluster.members", members, AtomicInteger::get)
        .description("Router replicas in the cluster (this one included)").register(registry);
    batchesSent = Counter.builder("kvroute.router.cluster.delta.batches.sent")
        .description("Load-delta batches published").register(registry);
    batchesReceived = Counter.builder("kvroute.router.cluster.delta.batches.received")
        .description("Load-delta batches received from other replicas").register(registry);
    lag = Timer.builder("kvroute.router.cluster.replica.lag")
        .description("Delay from a replica publishing a load-delta batch to this replica applying it")
        .publishPercentileHistogram()
        .minimumExpectedValue(Duration.ofMillis(1))
        .maximumExpectedValue(Duration.ofSeconds(10))
        .register(registry);
  }

  public void members(int n) {
    members.set(n);
  }

  public int members() {
    return members.get();
  }

  public void sent(LoadDelta.Kind kind) {
    counter(sent, "kvroute.router.cluster.deltas.sent", "kind", kind.wireName(), "Load deltas published").increment();
  }

  public void batchSent() {
    batchesSent.increment();
  }

  public void batchReceived(long lagMillis) {
    batchesReceived.increment();
    lag.record(Math.max(0, lagMillis), TimeUnit.MILLISECONDS);
  }

  public void applied(LoadDelta.Kind kind) {
    counter(applied, "kvroute.router.cluster.deltas.applied", "kind", kind.wireName(),
        "Load deltas of other replicas applied to this replica's load view").increment();
  }

  /**
   * Deltas lost or refused: {@code queue_full}, {@code publish_failed}, {@code oversize}, {@code malformed},
   * {@code unknown_request}.
   */
  public void dropped(String reason, int count) {
    counter(dropped, "kvroute.router.cluster.deltas.dropped", "reason", reason,
        "Load deltas not sent or not applied").increment(count);
  }

  public double sentCount() {
    return sum(sent);
  }

  public double appliedCount() {
    return sum(applied);
  }

  public double droppedCount(String reason) {
    Counter c = dropped.get(reason);
    return c == null ? 0 : c.count();
  }

  private static double sum(Map<String, Counter> m) {
    double s = 0;
    for (Counter c : m.values()) {
      s += c.count();
    }
    return s;
  }

  private Counter counter(Map<String, Counter> cache, String name, String tag, String value, String description) {
    Counter c = cache.get(value);
    if (c == null) {
      c = cache.computeIfAbsent(value, v -> Counter.builder(name).description(description).tag(tag, v)
          .register(registry));
    }
    return c;
  }
}

package io.kvroute.router.metrics;

import io.kvroute.router.core.IndexStats;
import io.kvroute.router.core.LoadView;
import io.kvroute.router.core.RouterCore;
import io.kvroute.router.core.Target;
import io.kvroute.router.ingest.IngestListener;
import io.kvroute.router.registry.WorkerRegistry;
import io.kvroute.router.registry.WorkerState;
import io.kvroute.router.registry.WorkerView;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MultiGauge;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * The router's Prometheus metrics. Decision-path meters are cached per (policy, worker) so the hot path does one
 * map lookup and no meter registration; per-worker gauges are refreshed from the core and registry at scrape time.
 */
public final class RouterMetrics implements IngestListener {

  private final PrometheusMeterRegistry registry;
  private final Map<String, Map<String, Counter>> decisions = new ConcurrentHashMap<>();
  private final Map<String, Counter> dropped = new ConcurrentHashMap<>();
  private final Map<String, Counter> applied = new ConcurrentHashMap<>();
  private final Map<String, Counter> gaps = new ConcurrentHashMap<>();
  private final Map<String, Counter> snapshots = new ConcurrentHashMap<>();
  private final Map<String, Counter> replays = new ConcurrentHashMap<>();
  private final Map<String, Counter> httpErrors = new ConcurrentHashMap<>();
  private final DistributionSummary overlap;
  private final Timer decisionLatency;
  private final Counter noWorker;
  private final MultiGauge treeBlocks;
  private final MultiGauge activeRequests;
  private final MultiGauge prefillTokens;
  private final MultiGauge decodeBlocks;
  private final MultiGauge workerState;
  private final MultiGauge indexState;
  private final MultiGauge coreDropped;
  private RouterCore core;
  private WorkerRegistry workers;

  public RouterMetrics() {
    this(new PrometheusMeterRegistry(PrometheusConfig.DEFAULT));
  }

  /**
   * Meters on a shared registry, e.g. the one Vert.x reports its HTTP server/client metrics to
   * ({@link VertxMetrics#vertx}), so one {@code /metrics} scrape shows both.
   */
  public RouterMetrics(PrometheusMeterRegistry registry) {
    this.registry = registry;
    new JvmMemoryMetrics().bindTo(registry);
    new JvmGcMetrics().bindTo(registry);
    new JvmThreadMetrics().bindTo(registry);
    new ProcessorMetrics().bindTo(registry);
    overlap = DistributionSummary.builder("kvroute.router.overlap.blocks")
        .description("Matched prefix blocks of the chosen worker per decision")
        .serviceLevelObjectives(0.5, 1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024, 4096)
        .register(registry);
    decisionLatency = Timer.builder("kvroute.router.decision.latency")
        .description("Time to choose a worker (candidates, index match, policy, booking)")
        .publishPercentileHistogram()
        .minimumExpectedValue(Duration.ofNanos(1_000))
        .maximumExpectedValue(Duration.ofMillis(100))
        .register(registry);
    noWorker = Counter.builder("kvroute.router.no.worker").description("Route requests with no eligible worker")
        .register(registry);
    treeBlocks = MultiGauge.builder("kvroute.router.tree.worker.blocks")
        .description("Cached blocks indexed per worker and dp rank").register(registry);
    activeRequests = MultiGauge.builder("kvroute.router.worker.active.requests")
        .description("Requests booked on the worker and not yet released").register(registry);
    prefillTokens = MultiGauge.builder("kvroute.router.worker.prefill.tokens")
        .description("Predicted prefill tokens not yet done").register(registry);
    decodeBlocks = MultiGauge.builder("kvroute.router.worker.decode.blocks")
        .description("Predicted unique active KV blocks").register(registry);
    workerState = MultiGauge.builder("kvroute.router.worker.state")
        .description("1 for the worker's current state (up, down, misconfigured, draining), else 0")
        .register(registry);
    indexState = MultiGauge.builder("kvroute.router.worker.index.state")
        .description("1 for the worker's index state (bootstrapping, bootstrapped, live_only), else 0")
        .register(registry);
    coreDropped = MultiGauge.builder("kvroute.router.index.events.dropped")
        .description("Events the index refused, by reason (unknown parent, unknown block, ...)").register(registry);
  }

  /** Binds the gauges that read the core and the registry. */
  public void bind(RouterCore core, WorkerRegistry workers) {
    this.core = core;
    this.workers = workers;
    Gauge.builder("kvroute.router.tree.nodes", core, c -> c.indexStats().nodes())
        .description("Radix tree nodes").register(registry);
    Gauge.builder("kvroute.router.tree.blocks", core, c -> c.indexStats().entries())
        .description("Indexed (block, target) entries").register(registry);
    Gauge.builder("kvroute.router.tree.bytes", core, c -> c.indexStats().approxBytes())
        .description("Approximate index memory").baseUnit("bytes").register(registry);
    Gauge.builder("kvroute.router.index.events.applied", core, c -> c.indexStats().eventsApplied())
        .description("Events applied by the index").register(registry);
    Gauge.builder("kvroute.router.workers", workers, w -> w.all().size())
        .description("Known workers").register(registry);
  }

  public PrometheusMeterRegistry registry() {
    return registry;
  }

  /** Prometheus text exposition, with per-worker gauges refreshed first. */
  public String scrape() {
    refresh();
    return registry.scrape();
  }

  private void refresh() {
    if (core == null) {
      return;
    }
    IndexStats stats = core.indexStats();
    List<MultiGauge.Row<?>> rows = new ArrayList<>();
    for (Map.Entry<Target, Long> e : stats.blocksPerTarget().entrySet()) {
      rows.add(MultiGauge.Row.of(targetTags(e.getKey()), e.getValue()));
    }
    treeBlocks.register(rows, true);
    List<MultiGauge.Row<?>> dropRows = new ArrayList<>();
    for (Map.Entry<String, Long> e : stats.dropped().entrySet()) {
      dropRows.add(MultiGauge.Row.of(Tags.of("reason", e.getKey()), e.getValue()));
    }
    coreDropped.register(dropRows, true);
    Map<Target, LoadView> loads = core.loads();
    List<MultiGauge.Row<?>> act = new ArrayList<>();
    List<MultiGauge.Row<?>> pre = new ArrayList<>();
    List<MultiGauge.Row<?>> dec = new ArrayList<>();
    for (Map.Entry<Target, LoadView> e : loads.entrySet()) {
      Tags t = targetTags(e.getKey());
      act.add(MultiGauge.Row.of(t, e.getValue().activeRequests()));
      pre.add(MultiGauge.Row.of(t, e.getValue().prefillTokens()));
      dec.add(MultiGauge.Row.of(t, e.getValue().activeBlocks()));
    }
    activeRequests.register(act, true);
    prefillTokens.register(pre, true);
    decodeBlocks.register(dec, true);
    List<MultiGauge.Row<?>> states = new ArrayList<>();
    for (WorkerView v : workers.all()) {
      String current = v.state() == WorkerState.UP && v.draining() ? "draining" : v.state().wireName();
      for (String s : new String[] {"up", "down", "misconfigured", "draining"}) {
        states.add(MultiGauge.Row.of(Tags.of("worker", v.id(), "state", s), s.equals(current) ? 1 : 0));
      }
    }
    workerState.register(states, true);
    List<MultiGauge.Row<?>> index = new ArrayList<>();
    for (WorkerView v : workers.all()) {
      String current = v.indexState();
      for (String s : new String[] {"bootstrapping", "bootstrapped", "live_only"}) {
        index.add(MultiGauge.Row.of(Tags.of("worker", v.id(), "state", s), s.equals(current) ? 1 : 0));
      }
    }
    indexState.register(index, true);
  }

  private static Tags targetTags(Target t) {
    return Tags.of("worker", t.workerId(), "dp_rank", Integer.toString(t.dpRank()));
  }

  // ---- decision path ----

  public void decision(String policy, String workerId, int overlapBlocks, long nanos) {
    Map<String, Counter> byWorker = decisions.get(policy);
    if (byWorker == null) {
      byWorker = decisions.computeIfAbsent(policy, k -> new ConcurrentHashMap<>());
    }
    Counter c = byWorker.get(workerId);
    if (c == null) {
      c = byWorker.computeIfAbsent(workerId, w -> Counter.builder("kvroute.router.decisions")
          .description("Routing decisions by policy and chosen worker")
          .tags("policy", policy, "worker", w).register(registry));
    }
    c.increment();
    overlap.record(overlapBlocks);
    decisionLatency.record(nanos, TimeUnit.NANOSECONDS);
  }

  public void noWorker() {
    noWorker.increment();
  }

  public void httpError(String endpoint, int status) {
    String key = endpoint + ' ' + status;
    httpErrors.computeIfAbsent(key, k -> Counter.builder("kvroute.router.http.errors")
        .description("HTTP requests answered with an error").tags("endpoint", endpoint, "status",
            Integer.toString(status)).register(registry)).increment();
  }

  // ---- ingest ----

  @Override
  public void batchApplied(String workerId, int events) {
    counter(applied, "kvroute.router.events.applied", "Events handed to the index", workerId, null, null)
        .increment(events);
  }

  @Override
  public void dropped(String workerId, String reason, int count) {
    counter(dropped, "kvroute.router.events.dropped", "KV messages or events refused before the index", workerId,
        "reason", reason).increment(count);
  }

  @Override
  public void seqGap(String workerId, long missing) {
    counter(gaps, "kvroute.router.seq.gaps", "Seq gaps detected on KV event streams", workerId, null, null)
        .increment();
  }

  @Override
  public void snapshot(String workerId, String outcome) {
    counter(snapshots, "kvroute.router.snapshot.loads", "Snapshot loads by outcome", workerId, "outcome", outcome)
        .increment();
  }

  @Override
  public void replay(String workerId, String outcome) {
    counter(replays, "kvroute.router.replays", "Replay requests by outcome", workerId, "outcome", outcome)
        .increment();
  }

  private Counter counter(Map<String, Counter> cache, String name, String description, String workerId,
      String tagKey, String tagValue) {
    String key = tagValue == null ? workerId : workerId + '\u0000' + tagValue;
    Counter c = cache.get(key);
    if (c == null) {
      c = cache.computeIfAbsent(key, k -> {
        Counter.Builder b = Counter.builder(name).description(description).tag("worker", workerId);
        if (tagKey != null) {
          b.tag(tagKey, tagValue);
        }
        return b.register(registry);
      });
    }
    return c;
  }
}

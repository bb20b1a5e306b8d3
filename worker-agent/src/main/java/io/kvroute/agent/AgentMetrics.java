package io.kvroute.agent;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;

/**
 * The agent's Prometheus metrics (scraped on {@code GET /metrics}): engine events in by type, agent events out
 * by type, drops by reason, engine event-id gaps, the last publish seq, engine reachability and proxied requests.
 * Thread-safe.
 */
public final class AgentMetrics {

  private static final java.util.Map<String, String> HELP = java.util.Map.of(
      "kvroute_agent_engine_events_in_total", "engine KV events received, by engine event type",
      "kvroute_agent_events_out_total", "KV events published to routers, by type",
      "kvroute_agent_dropped_total", "engine events, batches or answers dropped, by reason",
      "kvroute_agent_engine_event_gaps_total", "engine event ids (or hop-1 seqs) that never arrived",
      "kvroute_agent_engine_replay_retries_total", "replay requests to the engine asked again after no answer",
      "kvroute_agent_proxy_requests_total", "proxied generation requests, by route and outcome",
      "kvroute_agent_engine_polls_total", "engine event polls and health checks, by outcome",
      "kvroute_agent_engine_scrapes_total", "scrapes of the engine's Prometheus metrics, by outcome",
      "kvroute_agent_registrations_total", "router registrations and heartbeats, by outcome");

  private final PrometheusMeterRegistry registry;
  private final ConcurrentHashMap<String, Counter> counters = new ConcurrentHashMap<>();
  private final AtomicLong publishSeq = new AtomicLong(-1);
  private final AtomicLong gapEvents = new AtomicLong();
  private final AtomicLong engineBlockSize = new AtomicLong();

  public AgentMetrics(String workerId, BooleanSupplier engineUp) {
    this(engineUp, registry(workerId));
  }

  /**
   * Metrics on a shared registry (the one Vert.x reports its own metrics to), made by {@link #registry(String)}
   * before any meter is registered.
   */
  public AgentMetrics(BooleanSupplier engineUp, PrometheusMeterRegistry registry) {
    this.registry = registry;
    Gauge.builder("kvroute_agent_publish_seq", publishSeq, AtomicLong::get)
        .description("seq of the last KV batch published (-1: none)").register(registry);
    Gauge.builder("kvroute_agent_engine_up", () -> engineUp.getAsBoolean() ? 1 : 0)
        .description("1 when the engine is reachable (trtllm/sim: it answered its last poll; zmq: its health URL"
            + " answered 2xx, or without one every event socket is connected)").register(registry);
    Gauge.builder("kvroute_agent_engine_block_size", engineBlockSize, AtomicLong::get)
        .description("tokens per KV block the engine reports (trtllm iteration stats; 0: not reported)")
        .register(registry);
  }

  /** A registry whose meters all carry {@code worker_id} (Prometheus needs one tag-key set per meter name). */
  public static PrometheusMeterRegistry registry(String workerId) {
    PrometheusMeterRegistry r = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    r.config().commonTags("worker_id", workerId);
    return r;
  }

  public PrometheusMeterRegistry registry() {
    return registry;
  }

  /** One engine event received, by engine event type (created, stored, removed, updated, BlockStored, ...). */
  public void eventIn(String type) {
    counter("kvroute_agent_engine_events_in_total", "type", type).increment();
  }

  /** Agent events published, by type (stored, removed, cleared). */
  public void eventOut(String type) {
    counter("kvroute_agent_events_out_total", "type", type).increment();
  }

  /** Something dropped, by reason (malformed, oversize_block, window_size, ...). */
  public void dropped(String reason) {
    counter("kvroute_agent_dropped_total", "reason", reason).increment();
  }

  /** {@code n} things dropped for one reason (e.g. malformed lines of one scrape). */
  public void dropped(String reason, long n) {
    counter("kvroute_agent_dropped_total", "reason", reason).increment(n);
  }

  /** Scrapes of the engine's Prometheus metrics by outcome (ok, absent = no known gauge, error). */
  public void engineScrape(String outcome) {
    counter("kvroute_agent_engine_scrapes_total", "outcome", outcome).increment();
  }

  /** Engine event ids (or hop-1 seqs) that never arrived. */
  public void engineGap(long missing) {
    gapEvents.addAndGet(missing);
    counter("kvroute_agent_engine_event_gaps_total", null, null).increment(missing);
  }

  /** A replay request to the engine asked again because the previous one got no answer in time. */
  public void replayRetry() {
    counter("kvroute_agent_engine_replay_retries_total", null, null).increment();
  }

  public long engineGapEvents() {
    return gapEvents.get();
  }

  /** The engine's own tokens per block, as it reported it. */
  public void engineBlockSize(int tokensPerBlock) {
    engineBlockSize.set(tokensPerBlock);
  }

  public void published(long seq) {
    publishSeq.set(seq);
  }

  /** Proxied generation requests by route and outcome (HTTP status, or "cancelled"/"upstream_error"). */
  public void proxyRequest(String route, String outcome) {
    counter("kvroute_agent_proxy_requests_total", "route", route, "outcome", outcome).increment();
  }

  /** Engine polls by outcome (ok, empty, error). */
  public void enginePoll(String outcome) {
    counter("kvroute_agent_engine_polls_total", "outcome", outcome).increment();
  }

  /** Registration attempts by outcome. */
  public void registration(String outcome) {
    counter("kvroute_agent_registrations_total", "outcome", outcome).increment();
  }

  /** Current count of a counter (tests and logs). */
  public double count(String name, String... tags) {
    Counter c = registry.find(name).tags(tags).counter();
    return c == null ? 0 : c.count();
  }

  public String scrape() {
    return registry.scrape();
  }

  private Counter counter(String name, String... tags) {
    String key = name + String.join("|", tags == null ? new String[0] : nonNull(tags));
    return counters.computeIfAbsent(key, k -> Counter.builder(name).description(HELP.get(name))
        .tags(nonNull(tags)).register(registry));
  }

  private static String[] nonNull(String[] tags) {
    if (tags == null || tags.length == 0 || tags[0] == null) {
      return new String[0];
    }
    return tags;
  }
}

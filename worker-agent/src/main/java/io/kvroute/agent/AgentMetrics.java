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

  private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
  private final ConcurrentHashMap<String, Counter> counters = new ConcurrentHashMap<>();
  private final AtomicLong publishSeq = new AtomicLong(-1);
  private final AtomicLong gapEvents = new AtomicLong();

  public AgentMetrics(String workerId, BooleanSupplier engineUp) {
    registry.config().commonTags("worker_id", workerId);
    Gauge.builder("kvroute_agent_publish_seq", publishSeq, AtomicLong::get)
        .description("seq of the last KV batch published (-1: none)").register(registry);
    Gauge.builder("kvroute_agent_engine_up", () -> engineUp.getAsBoolean() ? 1 : 0)
        .description("1 when the engine answered its last poll").register(registry);
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

  /** Engine event ids (or hop-1 seqs) that never arrived. */
  public void engineGap(long missing) {
    gapEvents.addAndGet(missing);
    counter("kvroute_agent_engine_event_gaps_total", null, null).increment(missing);
  }

  public long engineGapEvents() {
    return gapEvents.get();
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
    return counters.computeIfAbsent(key, k -> Counter.builder(name).tags(nonNull(tags)).register(registry));
  }

  private static String[] nonNull(String[] tags) {
    if (tags == null || tags.length == 0 || tags[0] == null) {
      return new String[0];
    }
    return tags;
  }
}

package io.kvroute.agent.engine;

import io.kvroute.agent.AgentMetrics;
import io.kvroute.common.codec.LoadMetrics;
import java.io.IOException;
import java.io.OutputStream;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.locks.LockSupport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The zmq adapter's view of the engine's HTTP side, on its own thread (the blocking HTTP calls never delay the
 * SUB sockets):
 * <ul>
 *   <li>health ({@code --engine-health-url}, e.g. vLLM's {@code /health}): polled every second while it answers
 *   2xx; after a failure (refused, timeout, non-2xx) the engine is down and the poll backs off exponentially from
 *   100 ms to 2 s. Until the first 2xx the engine is down.</li>
 *   <li>load ({@code --engine-metrics-url}): the engine's Prometheus text scraped every 200 ms while it is not
 *   known to be down and turned into {@link LoadMetrics} by {@link #toLoad}. A failed scrape, or a text without
 *   any of the known gauges, clears the load so that the agent falls back to its own proxy count.</li>
 * </ul>
 */
public final class EngineHttpProbe implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(EngineHttpProbe.class);
  static final long HEALTH_PERIOD_NANOS = 1_000_000_000L;
  static final long MIN_BACKOFF_NANOS = 100_000_000L;
  static final long MAX_BACKOFF_NANOS = 2_000_000_000L;
  static final long SCRAPE_PERIOD_NANOS = 200_000_000L;
  private static final Duration TIMEOUT = Duration.ofSeconds(1);

  /** vLLM gauges, then the SGLang equivalents (same meaning). */
  static final List<String> WAITING = List.of("vllm:num_requests_waiting", "sglang:num_queue_reqs");
  static final List<String> RUNNING = List.of("vllm:num_requests_running", "sglang:num_running_reqs");
  /** Fractions 0..1 despite the name; vLLM renamed gpu_cache_usage_perc to kv_cache_usage_perc (V1). */
  static final List<String> USAGE = List.of("vllm:kv_cache_usage_perc", "vllm:gpu_cache_usage_perc",
      "sglang:token_usage");
  private static final Set<String> WANTED = Set.copyOf(concat(WAITING, RUNNING, USAGE));

  private final URL healthUrl;
  private final URL metricsUrl;
  private final AgentMetrics metrics;
  private final EngineHttp http = new EngineHttp(TIMEOUT, TIMEOUT);
  private volatile boolean healthy;
  private volatile LoadMetrics load;
  private final PollingThread poller = new PollingThread();
  private int failures;
  private boolean scrapeFailing;

  /** Either URL may be null or empty (not probed); with neither the probe has nothing to do and starts no thread. */
  public EngineHttpProbe(String healthUrl, String metricsUrl, AgentMetrics metrics) {
    this.healthUrl = healthUrl == null || healthUrl.isEmpty() ? null : EngineHttp.url(healthUrl);
    this.metricsUrl = metricsUrl == null || metricsUrl.isEmpty() ? null : EngineHttp.url(metricsUrl);
    this.metrics = metrics;
  }

  /** Whether a health URL is polled. */
  public boolean checksHealth() {
    return healthUrl != null;
  }

  /** The last health answer was 2xx (false until the first answer; meaningless without a health URL). */
  public boolean healthy() {
    return healthy;
  }

  /** The engine's load from its last scrape, or null (no metrics URL, scrape failed, no known gauge). */
  public LoadMetrics load() {
    return load;
  }

  public void start() {
    if (healthUrl == null && metricsUrl == null) {
      return;
    }
    poller.start("engine-http-probe", this::run);
  }

  @Override
  public void close() {
    poller.close();
  }

  private void run() {
    LOG.info("event=engine_probe_started health_url={} metrics_url={}", healthUrl, metricsUrl);
    long nextHealth = System.nanoTime();
    long nextScrape = nextHealth;
    while (poller.running()) {
      long now = System.nanoTime();
      try {
        if (healthUrl != null && now - nextHealth >= 0) {
          nextHealth = System.nanoTime() + checkHealth();
        }
        now = System.nanoTime();
        if (metricsUrl != null && now - nextScrape >= 0) {
          if (healthUrl == null || healthy) {
            scrape();
          } else {
            load = null;
          }
          nextScrape = System.nanoTime() + SCRAPE_PERIOD_NANOS;
        }
      } catch (RuntimeException e) {
        // A bug must not stop the probe: count it and keep going.
        metrics.dropped("internal_error");
        LOG.error("event=engine_probe_failed error=\"{}\"", e.toString());
      }
      long wake = healthUrl == null ? nextScrape : metricsUrl == null ? nextHealth : Math.min(nextHealth, nextScrape);
      long wait = wake - System.nanoTime();
      if (wait > 0) {
        LockSupport.parkNanos(wait);
      }
    }
    LOG.info("event=engine_probe_stopped");
  }

  /** One health poll; returns the delay until the next one. */
  private long checkHealth() {
    String error;
    try (EngineHttp.Response r = http.get(healthUrl)) {
      r.body().transferTo(OutputStream.nullOutputStream());
      error = r.status() / 100 == 2 ? null : "http_" + r.status();
    } catch (IOException e) {
      error = e.getClass().getSimpleName();
    }
    if (error == null) {
      metrics.enginePoll("health_ok");
      if (!healthy) {
        LOG.info("event=engine_up kind=zmq health_url={} after_failures={}", healthUrl, failures);
      }
      healthy = true;
      failures = 0;
      return HEALTH_PERIOD_NANOS;
    }
    metrics.enginePoll("health_error");
    if (healthy || failures == 0) {
      LOG.warn("event=engine_unreachable kind=zmq health_url={} error={}", healthUrl, error);
    }
    healthy = false;
    failures++;
    return Math.min(MIN_BACKOFF_NANOS << Math.min(failures - 1, 8), MAX_BACKOFF_NANOS);
  }

  private void scrape() {
    String body;
    try (EngineHttp.Response r = http.get(metricsUrl)) {
      if (r.status() / 100 != 2) {
        scrapeFailed("http_" + r.status());
        return;
      }
      body = new String(r.body().readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      scrapeFailed(e.getClass().getSimpleName());
      return;
    }
    PrometheusText.Parsed parsed = PrometheusText.parse(body, WANTED);
    if (parsed.malformedLines() > 0) {
      metrics.dropped("malformed_metrics_line", parsed.malformedLines());
      LOG.warn("event=engine_metrics_malformed lines={} first=\"{}\"", parsed.malformedLines(), parsed.firstError());
    }
    LoadMetrics l = toLoad(parsed);
    metrics.engineScrape(l == null ? "absent" : "ok");
    if (l == null && !scrapeFailing) {
      LOG.warn("event=engine_metrics_absent url={} note=\"none of {} found; load = proxied requests\"", metricsUrl,
          WANTED);
    }
    scrapeFailing = l == null;
    load = l;
  }

  private void scrapeFailed(String why) {
    metrics.engineScrape("error");
    if (!scrapeFailing) {
      LOG.warn("event=engine_metrics_failed url={} error={}", metricsUrl, why);
    }
    scrapeFailing = true;
    load = null;
  }

  /**
   * The load from the engine's gauges: waiting and running are summed over every series (a data-parallel engine
   * exposes one per rank, labelled {@code engine}), the cache usage is their mean, clamped to 0..1. The first name
   * of each list that is present is used; NaN samples are ignored. Null when neither waiting nor running is present.
   */
  static LoadMetrics toLoad(PrometheusText.Parsed p) {
    double waiting = sum(p, WAITING);
    double running = sum(p, RUNNING);
    if (Double.isNaN(waiting) && Double.isNaN(running)) {
      return null;
    }
    double usage = mean(p, USAGE);
    usage = Double.isNaN(usage) ? 0.0 : Math.max(0.0, Math.min(1.0, usage));
    return new LoadMetrics(count(waiting), usage, count(running), 0, 0, null, 0.0);
  }

  private static int count(double v) {
    return Double.isNaN(v) || v < 0 ? 0 : (int) Math.min(Integer.MAX_VALUE, Math.round(v));
  }

  /** Sum over the series of the first present name, NaN when none is present. */
  private static double sum(PrometheusText.Parsed p, List<String> names) {
    return aggregate(p, names, false);
  }

  /** Mean over the series of the first present name, NaN when none is present. */
  private static double mean(PrometheusText.Parsed p, List<String> names) {
    return aggregate(p, names, true);
  }

  private static double aggregate(PrometheusText.Parsed p, List<String> names, boolean mean) {
    for (String n : names) {
      double s = 0;
      int found = 0;
      for (PrometheusText.Sample x : p.get(n)) {
        if (!Double.isNaN(x.value()) && !Double.isInfinite(x.value())) {
          s += x.value();
          found++;
        }
      }
      if (found > 0) {
        return mean ? s / found : s;
      }
    }
    return Double.NaN;
  }

  @SafeVarargs
  private static List<String> concat(List<String>... lists) {
    java.util.ArrayList<String> all = new java.util.ArrayList<>();
    for (List<String> l : lists) {
      all.addAll(l);
    }
    return all;
  }
}

package io.kvroute.agent.engine;

import io.kvroute.agent.AgentMetrics;
import io.kvroute.agent.events.KvEventLog;
import io.kvroute.agent.events.TrtllmNormalizer;
import io.kvroute.common.codec.DecodeException;
import io.kvroute.common.codec.IterationStats;
import io.kvroute.common.codec.IterationStatsCodec;
import io.kvroute.common.codec.LoadMetrics;
import io.kvroute.common.codec.TrtllmEvent;
import io.kvroute.common.codec.TrtllmEventCodec;
import io.kvroute.common.event.KvEventBatch;
import java.io.IOException;
import java.net.URL;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.locks.LockSupport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@code trtllm} engine adapter (DESIGN §3): on its own thread it drains {@code POST /kv_cache_events} every
 * ~10 ms (backing off to 50 ms while empty, and exponentially to 2 s while the engine fails: {@link PollBackoff}) and
 * {@code GET /metrics} every 100 ms. Events are normalised by {@link TrtllmNormalizer} and published through the
 * {@link KvEventLog}; iteration stats become the agent's {@link LoadMetrics}. Malformed answers are counted and
 * skipped; an unreachable engine marks the adapter down until it answers again.
 */
public final class TrtllmAdapter implements EngineAdapter {

  private static final Logger LOG = LoggerFactory.getLogger(TrtllmAdapter.class);
  static final long METRICS_PERIOD_NANOS = 100_000_000L;

  private final String kind;
  private final String baseUrl;
  private final TrtllmNormalizer normalizer;
  private final KvEventLog log;
  private final AgentMetrics metrics;
  private final EngineHttp http = new EngineHttp(Duration.ofSeconds(1), Duration.ofSeconds(2));
  private final URL eventsUrl;
  private final URL metricsUrl;
  private volatile boolean up;
  private volatile boolean seen;
  private volatile LoadMetrics load;
  private final PollingThread poller = new PollingThread();
  private final PollBackoff backoff = new PollBackoff();
  private final int blockSize;
  private volatile int engineBlockSize;

  public TrtllmAdapter(String kind, String baseUrl, int blockSize, KvEventLog log, AgentMetrics metrics) {
    this.kind = kind;
    this.baseUrl = baseUrl.endsWith("/") ? baseUrl.substring(0, baseUrl.length() - 1) : baseUrl;
    this.blockSize = blockSize;
    this.normalizer = new TrtllmNormalizer(blockSize, metrics);
    this.log = log;
    this.metrics = metrics;
    this.eventsUrl = EngineHttp.url(this.baseUrl + "/kv_cache_events");
    this.metricsUrl = EngineHttp.url(this.baseUrl + "/metrics");
  }

  @Override
  public String kind() {
    return kind;
  }

  @Override
  public void start() {
    poller.start("engine-poller-" + kind, this::run);
  }

  @Override
  public boolean engineUp() {
    return up;
  }

  @Override
  public boolean eventsSeen() {
    return seen;
  }

  /** Also needs the engine's tokens per block, once reported, to be {@code --block-size}. */
  @Override
  public boolean ready() {
    int engine = engineBlockSize;
    return EngineAdapter.super.ready() && (engine == 0 || engine == blockSize);
  }

  @Override
  public int engineBlockSize() {
    return engineBlockSize;
  }

  @Override
  public LoadMetrics load() {
    return load;
  }

  @Override
  public String generationUrl() {
    return baseUrl;
  }

  @Override
  public void close() {
    poller.close();
  }

  private void run() {
    LOG.info("event=engine_adapter_started kind={} url={}", kind, baseUrl);
    long nextEvents = System.nanoTime();
    long nextMetrics = nextEvents;
    while (poller.running()) {
      long now = System.nanoTime();
      try {
        if (now - nextEvents >= 0) {
          pollEvents();
          nextEvents = System.nanoTime() + backoff.delay();
        }
        now = System.nanoTime();
        if (up && now - nextMetrics >= 0) {
          pollMetrics();
          nextMetrics = System.nanoTime() + METRICS_PERIOD_NANOS;
        }
      } catch (RuntimeException e) {
        // A bug must not stop the poller: count it, back off, keep going.
        metrics.dropped("internal_error");
        LOG.error("event=engine_poll_failed kind={} error=\"{}\"", kind, e.toString());
        nextEvents = System.nanoTime() + PollBackoff.MAX_EMPTY_NANOS;
      }
      long wake = up ? Math.min(nextEvents, nextMetrics) : nextEvents;
      long wait = wake - System.nanoTime();
      if (wait > 0) {
        LockSupport.parkNanos(wait);
      }
    }
    LOG.info("event=engine_adapter_stopped kind={}", kind);
  }

  private void pollEvents() {
    TrtllmEventCodec.Decoded decoded;
    // Parsed as it arrives: with long prompts the body is mostly token objects, tens of KB per poll.
    try (EngineHttp.Response r = http.post(eventsUrl)) {
      if (r.status() != 200) {
        failed("http_" + r.status());
        return;
      }
      reachable();
      decoded = TrtllmEventCodec.decodeArray(r.body());
    } catch (IOException e) {
      failed(e.getClass().getSimpleName());
      return;
    } catch (DecodeException e) {
      metrics.dropped("malformed");
      metrics.enginePoll("malformed");
      LOG.warn("event=engine_events_malformed error=\"{}\"", e.getMessage());
      backoff.onEmpty();
      return;
    }
    for (String err : decoded.errors()) {
      metrics.dropped("malformed_event");
      LOG.warn("event=engine_event_malformed error=\"{}\"", err);
    }
    if (decoded.events().isEmpty()) {
      metrics.enginePoll("empty");
      backoff.onEmpty();
      return;
    }
    metrics.enginePoll("ok");
    backoff.onEvents();
    for (TrtllmEvent e : decoded.events()) {
      if (e instanceof TrtllmEvent.Created c && c.numBlocksPerCacheLevel().length > 0) {
        // A (re)created cache is empty: the load starts from zero with the engine's capacity.
        load = new LoadMetrics(0, 0.0, 0, 0, c.numBlocksPerCacheLevel()[0], null, 0.0);
      }
    }
    List<KvEventBatch> batches = normalizer.normalize(decoded.events(), System.currentTimeMillis() / 1000.0);
    log.publishAll(batches);
    seen = normalizer.seenAny();
  }

  private void pollMetrics() {
    IterationStats last;
    try (EngineHttp.Response r = http.get(metricsUrl)) {
      if (r.status() != 200) {
        return;
      }
      last = IterationStatsCodec.decodeLast(r.body());
    } catch (DecodeException e) {
      metrics.dropped("malformed_stats");
      LOG.warn("event=engine_stats_malformed error=\"{}\"", e.getMessage());
      return;
    } catch (IOException e) {
      LOG.debug("event=engine_stats_failed error=\"{}\"", e.toString());
      return;
    }
    if (last != null) {
      load = toLoad(last);
      checkBlockSize(last.kvCacheStats());
    }
  }

  private void checkBlockSize(IterationStats.KvCacheStats kv) {
    int reported = kv == null ? 0 : kv.tokensPerBlock();
    if (reported <= 0 || reported == engineBlockSize) {
      return;
    }
    engineBlockSize = reported;
    metrics.engineBlockSize(reported);
    if (reported != blockSize) {
      LOG.error("event=engine_block_size_mismatch kind={} engine_tokens_per_block={} block_size={} note=\"every"
          + " stored block is dropped and the agent is not ready: set --block-size to the engine's tokens_per_block\"",
          kind, reported, blockSize);
    }
  }

  /** The reference worker's load: waiting = queued + paused, usage = used / max blocks. */
  static LoadMetrics toLoad(IterationStats s) {
    IterationStats.KvCacheStats kv = s.kvCacheStats();
    IterationStats.InflightBatchingStats ib = s.inflightBatchingStats();
    int paused = ib == null ? 0 : ib.numPausedRequests();
    long used = kv == null ? 0 : kv.usedNumBlocks();
    long max = kv == null ? 0 : kv.maxNumBlocks();
    double usage = max <= 0 ? 0.0 : Math.min(1.0, (double) used / max);
    return new LoadMetrics(s.numQueuedRequests() + paused, usage, s.numActiveRequests(), used, max, null, 0.0);
  }

  private void reachable() {
    if (load == null) {
      load = new LoadMetrics(0, 0.0, 0, 0, 0, null, 0.0);
    }
    if (!up) {
      LOG.info("event=engine_up kind={} url={} after_failures={}", kind, baseUrl, backoff.failures());
    }
    up = true;
  }

  private void failed(String why) {
    metrics.enginePoll("error");
    if (up || backoff.failures() == 0) {
      LOG.warn("event=engine_unreachable kind={} url={} error={}", kind, baseUrl, why);
    }
    up = false;
    backoff.onFailure();
  }
}

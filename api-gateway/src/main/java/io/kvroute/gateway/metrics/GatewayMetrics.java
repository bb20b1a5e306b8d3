package io.kvroute.gateway.metrics;

import io.kvroute.common.tokenizer.ModelTokenizer;
import io.kvroute.common.tokenizer.SegmentCacheStats;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.function.ToDoubleFunction;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;

/** The gateway's Prometheus meters (names prefixed {@code kvroute_gateway_}). */
public final class GatewayMetrics {

  private final MeterRegistry registry;
  private final Timer ttft;
  private final Timer e2e;
  private final Timer routerOk;
  private final Timer routerFailed;
  private final Timer tokenize;
  private final Counter retries;
  private final Counter fallbacks;
  private final Counter disconnects;
  private final Counter midStreamErrors;
  private final Timer preUpstream;
  private final Timer tokenizerQueue;
  private final Timer tokenizerRun;
  private final Timer tokenizerInline;
  private final Counter inlineTokenised;
  private final Counter pooledTokenised;
  /** Tokenizer-pool wait and run in microseconds, for interval snapshots (benchmarks). */
  private final Recorder tokenizerQueueMicros = new Recorder(60_000_000L, 3);
  private final Recorder tokenizerRunMicros = new Recorder(60_000_000L, 3);
  private final Recorder tokenizerInlineMicros = new Recorder(60_000_000L, 3);
  /** Same values as {@link #preUpstream} in microseconds, for interval snapshots (benchmarks). */
  private final Recorder preUpstreamMicros = new Recorder(60_000_000L, 3);

  public GatewayMetrics(MeterRegistry registry) {
    this.registry = registry;
    this.ttft = histogram("kvroute.gateway.ttft", "time from request arrival to the first generated token sent");
    this.e2e = histogram("kvroute.gateway.e2e", "time from request arrival to the end of the response");
    this.tokenize = histogram("kvroute.gateway.tokenize",
        "time to prompt token ids: chat template + encode, inline or on the tokenizer pool (wait included)");
    this.routerOk = Timer.builder("kvroute.gateway.router.latency").tag("outcome", "ok")
        .description("POST /v1/route round trip").publishPercentileHistogram()
        .minimumExpectedValue(Duration.ofNanos(50_000)).maximumExpectedValue(Duration.ofSeconds(5)).register(registry);
    this.routerFailed = Timer.builder("kvroute.gateway.router.latency").tag("outcome", "error")
        .description("POST /v1/route round trip").publishPercentileHistogram()
        .minimumExpectedValue(Duration.ofNanos(50_000)).maximumExpectedValue(Duration.ofSeconds(5)).register(registry);
    this.retries = Counter.builder("kvroute.gateway.retries").description("re-routes after a worker failed")
        .register(registry);
    this.fallbacks = Counter.builder("kvroute.gateway.fallbacks")
        .description("requests routed by the fallback policy because no router answered").register(registry);
    this.disconnects = Counter.builder("kvroute.gateway.client.disconnects")
        .description("clients that went away before the response ended").register(registry);
    this.preUpstream = histogram("kvroute.gateway.overhead",
        "gateway time before the worker sees the request: parse, tokenise, hash, route (first attempt)");
    this.tokenizerQueue = fineHistogram("kvroute.gateway.tokenizer.queue",
        "wait of a tokenising job for a thread of the tokenizer pool");
    this.tokenizerRun = fineHistogram("kvroute.gateway.tokenizer.run",
        "run time of a tokenising job on the pool (chat template + encode, or encode)");
    this.tokenizerInline = fineHistogram("kvroute.gateway.tokenizer.inline",
        "event-loop time of an attempt to tokenise from the caches alone (chat template + cached pieces), success"
        + " or not");
    this.inlineTokenised = promptCounter("inline");
    this.pooledTokenised = promptCounter("pool");
    this.midStreamErrors = Counter.builder("kvroute.gateway.stream.errors")
        .description("worker failures after the first byte (error event sent)").register(registry);
  }

  private Timer histogram(String name, String description) {
    return Timer.builder(name).description(description).publishPercentileHistogram()
        .minimumExpectedValue(Duration.ofNanos(100_000)).maximumExpectedValue(Duration.ofSeconds(120))
        .register(registry);
  }

  private Counter promptCounter(String path) {
    return Counter.builder("kvroute.gateway.tokenizer.prompts").tag("path", path)
        .description("text prompts tokenised, by where: inline = from the caches on the event loop, pool = on the"
            + " tokenizer pool").register(registry);
  }

  /** Records {@code nanos} in the exported timer and, in microseconds, in the benchmarks' interval recorder. */
  private static void record(Timer timer, Recorder micros, long nanos) {
    timer.record(nanos, TimeUnit.NANOSECONDS);
    micros.recordValue(Math.min(60_000_000L, Math.max(0, nanos / 1000)));
  }

  private Timer fineHistogram(String name, String description) {
    return Timer.builder(name).description(description).publishPercentileHistogram()
        .minimumExpectedValue(Duration.ofNanos(10_000)).maximumExpectedValue(Duration.ofSeconds(10))
        .register(registry);
  }

  public MeterRegistry registry() {
    return registry;
  }

  /** One finished request. */
  public void request(String endpoint, int status) {
    registry.counter("kvroute.gateway.requests", "endpoint", endpoint, "status", Integer.toString(status))
        .increment();
  }

  /** One rejected request, by OpenAI error code (or type when there is no code). */
  public void rejected(String endpoint, String code) {
    registry.counter("kvroute.gateway.rejected", "endpoint", endpoint, "code", code).increment();
  }

  public void ttft(long nanos) {
    ttft.record(nanos, TimeUnit.NANOSECONDS);
  }

  public void e2e(long nanos) {
    e2e.record(nanos, TimeUnit.NANOSECONDS);
  }

  public void tokenize(long nanos) {
    tokenize.record(nanos, TimeUnit.NANOSECONDS);
  }

  /** Time from request arrival until the first attempt's request is handed to the worker connection. */
  public void preUpstream(long nanos) {
    record(preUpstream, preUpstreamMicros, nanos);
  }

  /** Pre-upstream overhead recorded since the previous call, in microseconds. */
  public Histogram preUpstreamInterval() {
    return preUpstreamMicros.getIntervalHistogram();
  }

  /** Wait of one tokenising job for a pool thread. */
  public void tokenizerQueue(long nanos) {
    record(tokenizerQueue, tokenizerQueueMicros, nanos);
  }

  /** Run time of one tokenising job on the pool. */
  public void tokenizerRun(long nanos) {
    record(tokenizerRun, tokenizerRunMicros, nanos);
  }

  /** An inline (event-loop) tokenising attempt took {@code nanos}; {@code done} = it produced the ids. */
  public void tokenizerInline(long nanos, boolean done) {
    record(tokenizerInline, tokenizerInlineMicros, nanos);
    if (done) {
      inlineTokenised.increment();
    }
  }

  /** A text prompt was sent to the tokenizer pool. */
  public void tokenizerPooled() {
    pooledTokenised.increment();
  }

  /** Inline attempts' event-loop time (microseconds) since the last call. */
  public Histogram tokenizerInlineInterval() {
    return tokenizerInlineMicros.getIntervalHistogram();
  }

  /** Text prompts tokenised inline so far. */
  public long inlineTokenised() {
    return (long) inlineTokenised.count();
  }

  /** Text prompts sent to the tokenizer pool so far. */
  public long pooledTokenised() {
    return (long) pooledTokenised.count();
  }

  /** Tokenizer-pool waits recorded since the previous call, in microseconds. */
  public Histogram tokenizerQueueInterval() {
    return tokenizerQueueMicros.getIntervalHistogram();
  }

  /** Tokenizer-pool run times recorded since the previous call, in microseconds. */
  public Histogram tokenizerRunInterval() {
    return tokenizerRunMicros.getIntervalHistogram();
  }

  public void routerLatency(long nanos, boolean ok) {
    (ok ? routerOk : routerFailed).record(nanos, TimeUnit.NANOSECONDS);
  }

  public void routerError(String router) {
    registry.counter("kvroute.gateway.router.errors", "router", router).increment();
  }

  public void retry() {
    retries.increment();
  }

  public void fallback() {
    fallbacks.increment();
  }

  public void disconnect() {
    disconnects.increment();
  }

  public void midStreamError() {
    midStreamErrors.increment();
  }

  /**
   * One router lifecycle call answered (or failed): {@code call} = first_token | release; {@code outcome} = ok
   * (first_token accepted, release freed an active booking), not_active (the router had no such active booking:
   * 404 or {@code "released": false}), error (other status, or no router reachable).
   */
  public void lifecycle(String call, String outcome) {
    registry.counter("kvroute.gateway.router.lifecycle", "call", call, "outcome", outcome).increment();
  }

  /** Lifecycle calls counted so far with this call and outcome (tests, diagnostics). */
  public double lifecycleCount(String call, String outcome) {
    Counter c = registry.find("kvroute.gateway.router.lifecycle").tag("call", call).tag("outcome", outcome)
        .counter();
    return c == null ? 0 : c.count();
  }

  /**
   * Exposes the tokenizer's segment cache (chat tokenisation reuses the ids of text pieces seen before) as
   * {@code kvroute_gateway_tokenizer_segment_cache_*}: hits, misses, evictions and texts encoded whole (counters),
   * entries, size and bound in bytes (gauges; 2 bytes per char unit of {@link SegmentCacheStats}). With the cache
   * off ({@code --segment-cache-chars 0}) every value is 0. Idempotent:
   * several verticle instances binding the same tokenizer share the meters.
   */
  public void bindSegmentCache(ModelTokenizer tokenizer) {
    String p = "kvroute.gateway.tokenizer.segment.cache.";
    functionCounter(tokenizer, p + "hits", "piece lookups answered from the segment cache", s -> s.hits());
    functionCounter(tokenizer, p + "misses", "piece lookups that ran the tokenizer", s -> s.misses());
    functionCounter(tokenizer, p + "evictions", "entries dropped to stay within the bound", s -> s.evictions());
    functionCounter(tokenizer, p + "uncached.texts", "texts encoded whole because an added token the split cannot "
        + "reproduce matched (0 while the cache is off: then every text is encoded whole)", s -> s.uncachedTexts());
    gauge(tokenizer, p + "entries", "entries held", null, s -> s.entries());
    gauge(tokenizer, p + "size", "heap held by keys and ids (2 bytes per char or id half)", "bytes",
        s -> 2 * s.weight());
    gauge(tokenizer, p + "max", "configured bound (--segment-cache-chars x 2 bytes; 0 = cache off)", "bytes",
        s -> 2 * s.maxWeight());
  }

  private void functionCounter(ModelTokenizer tokenizer, String name, String description,
      ToDoubleFunction<SegmentCacheStats> value) {
    FunctionCounter.builder(name, tokenizer, t -> value.applyAsDouble(t.segmentCacheStats()))
        .description(description).register(registry);
  }

  private void gauge(ModelTokenizer tokenizer, String name, String description, String unit,
      ToDoubleFunction<SegmentCacheStats> value) {
    Gauge.builder(name, tokenizer, t -> value.applyAsDouble(t.segmentCacheStats())).description(description)
        .baseUnit(unit).strongReference(true).register(registry);
  }

  public double retries() {
    return retries.count();
  }

  public double fallbacks() {
    return fallbacks.count();
  }
}

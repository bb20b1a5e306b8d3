package io.kvroute.gateway.bench;

import io.kvroute.agent.Agent;
import io.kvroute.agent.AgentConfig;
import io.kvroute.common.config.CliOptions;
import io.kvroute.common.tokenizer.ModelTokenizer;
import io.kvroute.common.tokenizer.SegmentCacheStats;
import io.kvroute.gateway.GatewayConfig;
import io.kvroute.gateway.GatewayVerticle;
import io.kvroute.gateway.metrics.GatewayMetrics;
import io.kvroute.router.RouterConfig;
import io.kvroute.router.RouterVerticle;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.HdrHistogram.Histogram;

/**
 * Added latency of the gateway + router path versus calling a worker agent directly (not a test). Starts a
 * router, two agents with simulated engines (high --speedup so the engine is not the bottleneck) and a gateway in
 * this JVM on loopback ephemeral ports, then drives streamed load at a fixed concurrency through the phases named
 * by {@code --phases}:
 * <ol>
 *   <li>direct: client → agent /v1/completions (token ids), split over both agents;</li>
 *   <li>gateway: client → gateway /v1/completions with the same kind of token-id prompt (route + proxy);</li>
 *   <li>direct-chat: client → agent /v1/chat/completions (the engine applies the template and tokenises);</li>
 *   <li>chat: client → gateway /v1/chat/completions (the gateway applies the template and tokenises);</li>
 *   <li>direct-chat-mt / chat-mt: the same two paths with multi-turn conversations ({@link Conversations}): each
 *       request repeats the earlier turns and the answers received, as chat clients do.</li>
 * </ol>
 * Unique-prompt phases never repeat a prompt, so no phase benefits from cache hits of another. Prints TTFT/e2e
 * percentiles, the added TTFT (gateway minus its direct baseline) per percentile, the gateway's internal times
 * (overhead before the worker sees the request, tokenizer-pool wait and run) and CPU per request by component.
 *
 * <p>Run from the repository root with {@code api-gateway/bench-latency.sh} (builds, then runs this class).
 */
public final class GatewayLatencyBench {

  private GatewayLatencyBench() {
  }

  public static void main(String[] args) throws Exception {
    CliOptions opts = CliOptions.create("GatewayLatencyBench", "gateway+router added latency vs direct agent")
        .option("concurrency", "256", "concurrent streams")
        .option("requests", "4096", "measured requests per phase (split over the rounds)")
        .option("warmup", "1024", "warm-up requests per phase, once before the rounds (not recorded)")
        .option("prompt-tokens", "512", "prompt length in tokens (multi-turn: of the first turn)")
        .option("max-tokens", "16", "completion length (ignore_eos)")
        .option("speedup", "1000", "sim engine speedup")
        .option("think-ms", "0", "mean pause of each stream between its requests (0 = closed loop, saturating)")
        .option("rounds", "8", "rounds; each runs every phase once, the order rotating (results merged)")
        .option("phases", "direct,gateway,direct-chat,chat",
            "phases to run: direct, gateway, direct-chat, chat, direct-chat-mt, chat-mt")
        .option("turns", "8", "multi-turn phases: requests per conversation before a new one starts")
        .option("turn-tokens", "64", "multi-turn phases: words (~tokens) of each follow-up user message")
        .option("tokenizer-threads", "2", "gateway --tokenizer-threads")
        .option("segment-cache-chars", Long.toString(ModelTokenizer.DEFAULT_SEGMENT_CACHE_CHARS),
            "gateway --segment-cache-chars (0 = off)");
    CliOptions.Parsed p = opts.parse(args);
    if (p.helpRequested()) {
      System.out.print(opts.help());
      return;
    }
    int concurrency = p.integer("concurrency");
    int requests = p.integer("requests");
    int warmup = p.integer("warmup");
    int rounds = p.integer("rounds");
    Workload w = new Workload(p.integer("prompt-tokens"), p.integer("max-tokens"), p.integer("think-ms"),
        p.integer("turns"), p.integer("turn-tokens"));
    List<Phase> selected = new ArrayList<>();
    for (String key : p.string("phases").split(",")) {
      selected.add(Phase.of(key.trim(), concurrency, w));
    }
    Phase[] phases = selected.toArray(Phase[]::new);

    Vertx routerVertx = Vertx.vertx();
    RouterVerticle router = new RouterVerticle(RouterConfig.from(RouterConfig.options().parse(new String[] {
        "--router-port", "0", "--host", "127.0.0.1", "--http-instances", "1"}, Map.of())));
    routerVertx.deployVerticle(router).await(30, TimeUnit.SECONDS);
    String routerUrl = "http://127.0.0.1:" + router.actualPort();
    List<Agent> agents = new ArrayList<>();
    List<Vertx> agentVertx = new ArrayList<>();
    for (int i = 0; i < 2; i++) {
      Vertx v = Vertx.vertx();
      agentVertx.add(v);
      agents.add(Agent.start(v, AgentConfig.from(AgentConfig.options().parse(new String[] {
          "--worker-index", Integer.toString(i), "--http-port", "0", "--kv-events-port", "0", "--metrics-port", "0",
          "--bind-host", "127.0.0.1", "--router-url", routerUrl, "--speedup", p.string("speedup"),
          "--max-batch-size", Integer.toString(concurrency), "--max-num-tokens", "1048576",
          "--num-blocks", "65536"}, Map.of()))).await(60, TimeUnit.SECONDS));
    }
    // The gateway's own tokenizer (the agents' simulated engines share the bundled one), configured by its CLI.
    GatewayConfig gwConfig = GatewayConfig.from(GatewayConfig.options().parse(new String[] {
        "--host", "127.0.0.1", "--http-port", "0", "--router-url", routerUrl, "--tokenizer-threads",
        p.string("tokenizer-threads"), "--segment-cache-chars", p.string("segment-cache-chars")}, Map.of()));
    ModelTokenizer tokenizer = gwConfig.loadTokenizer();
    Vertx gwVertx = Vertx.vertx();
    GatewayVerticle gateway = new GatewayVerticle(gwConfig, tokenizer,
        new PrometheusMeterRegistry(PrometheusConfig.DEFAULT));
    gwVertx.deployVerticle(gateway).await(30, TimeUnit.SECONDS);
    String gwUrl = "http://127.0.0.1:" + gateway.actualPort();
    Thread.sleep(3000); // agents register and the router subscribes

    Vertx clientVertx = Vertx.vertx();
    CpuMeter.name(routerVertx, "router");
    for (int i = 0; i < agentVertx.size(); i++) {
      CpuMeter.name(agentVertx.get(i), "agent" + i);
    }
    CpuMeter.name(gwVertx, "gw");
    CpuMeter.name(clientVertx, "client");
    StreamLoad load = new StreamLoad(clientVertx, concurrency);
    String[] agentUrls = agents.stream().map(a -> "http://127.0.0.1:" + a.httpPort()).toArray(String[]::new);
    SplittableRandom seeds = new SplittableRandom(42);

    // Warm-up: every phase once, not recorded.
    long warmSeed = seeds.nextLong();
    for (Phase ph : phases) {
      ph.run(load, gwUrl, agentUrls, concurrency, warmup, warmSeed, w, null);
    }
    Probe probe = new Probe(gateway.metrics(), tokenizer);
    // Measured: short rounds, the phase order rotating each round, so slow drift (JIT, GC, other processes on the
    // machine) lands on every phase alike; each phase's histograms merge its rounds.
    int perRound = Math.max(concurrency, requests / rounds);
    CpuMeter cpu = new CpuMeter();
    for (int r = 0; r < rounds; r++) {
      long seed = seeds.nextLong();
      for (int k = 0; k < phases.length; k++) {
        Phase ph = phases[(r + k) % phases.length];
        Map<String, Long> before = cpu.snapshot();
        StreamLoad.Result res = ph.run(load, gwUrl, agentUrls, concurrency, perRound, seed, w, probe);
        ph.cpu.addAll(cpu.since(before));
        ph.ttft.add(res.ttftMicros());
        ph.e2e.add(res.e2eMicros());
        ph.errors += res.errors();
        ph.requests += perRound;
        ph.wallNanos += res.wallNanos();
      }
    }
    report(p, w, gwConfig, phases, perRound, rounds, concurrency);

    if (Boolean.getBoolean("bench.threadNames")) {
      // JFR keeps a thread's first name: print the renamed ones to attribute profile samples by thread id
      Thread.getAllStackTraces().keySet().forEach(t -> System.out.println("thread " + t.getId() + " " + t.getName()));
    }
    load.close().await(10, TimeUnit.SECONDS);
    clientVertx.close().await(10, TimeUnit.SECONDS);
    gwVertx.close().await(10, TimeUnit.SECONDS);
    for (int i = 0; i < agents.size(); i++) {
      agents.get(i).stop().await(10, TimeUnit.SECONDS);
      agentVertx.get(i).close().await(10, TimeUnit.SECONDS);
    }
    routerVertx.close().await(10, TimeUnit.SECONDS);
    System.exit(0);
  }

  private static void report(CliOptions.Parsed p, Workload w, GatewayConfig gwConfig, Phase[] phases, int perRound,
      int rounds, int concurrency) throws CliOptions.UsageException {
    int errors = 0;
    for (Phase ph : phases) {
      errors += ph.errors;
    }
    System.out.printf(Locale.ROOT, "concurrency=%d requests_per_phase=%d (%d rounds of %d, phase order rotating) "
        + "recorded_per_phase=%d prompt_tokens=%d max_tokens=%d speedup=%s think_ms=%d turns=%d turn_tokens=%d "
        + "tokenizer_threads=%d segment_cache_chars=%d errors=%d cores=%d%n",
        concurrency, perRound * rounds, rounds, perRound, phases[0].ttft.getTotalCount(), w.promptTokens(),
        w.maxTokens(), p.string("speedup"), w.thinkMs(), w.turns(), w.turnTokens(), gwConfig.tokenizerThreads(),
        gwConfig.segmentCacheChars(), errors, Runtime.getRuntime().availableProcessors());
    for (Phase ph : phases) {
      if (ph.conversations != null) {
        System.out.printf(Locale.ROOT, "%s: %.1f messages (system + user + assistant) and %.0f prompt tokens per "
            + "request on average%n", ph.name, ph.meanMessages(), ph.meanPromptTokens());
      }
    }
    System.out.println("| path | TTFT p50 ms | TTFT p90 ms | TTFT p99 ms | e2e p50 ms | e2e p99 ms | req/s |");
    System.out.println("|---|---|---|---|---|---|---|");
    for (Phase ph : phases) {
      System.out.printf(Locale.ROOT, "| %s | %.2f | %.2f | %.2f | %.2f | %.2f | %.0f |%n", ph.name, ms(ph.ttft, 50),
          ms(ph.ttft, 90), ms(ph.ttft, 99), ms(ph.e2e, 50), ms(ph.e2e, 99), ph.requests * 1e9 / ph.wallNanos);
    }
    for (Phase ph : phases) {
      for (String baseKey : ph.baselines) {
        Phase base = find(phases, baseKey);
        if (base != null) {
          System.out.printf(Locale.ROOT, "| added by %s vs %s | %.2f | %.2f | %.2f | | | |%n", ph.name, base.name,
              ms(ph.ttft, 50) - ms(base.ttft, 50), ms(ph.ttft, 90) - ms(base.ttft, 90),
              ms(ph.ttft, 99) - ms(base.ttft, 99));
        }
      }
    }
    System.out.println();
    System.out.println("Inside the gateway (ms, same steady window as the client's recorded requests): overhead = "
        + "time before the worker sees the request (parse, tokenise, hash, POST /v1/route, send); pool wait / run = "
        + "tokenizer-pool queueing / run time per job:");
    System.out.println("| path | overhead p50 | p90 | p99 | max | pool wait p50 | p99 | max | pool run p50 | p99 | max "
        + "| segment cache hits |");
    System.out.println("|---|---|---|---|---|---|---|---|---|---|---|---|");
    for (Phase ph : phases) {
      if (ph.gateway) {
        Histogram o = ph.overhead;
        Histogram q = ph.poolQueue;
        Histogram r = ph.poolRun;
        long lookups = ph.cacheHits + ph.cacheMisses;
        System.out.printf(Locale.ROOT, "| %s | %.3f | %.3f | %.3f | %.3f | %s | %s | %s | %s | %s | %s | %s |%n",
            ph.name, ms(o, 50), ms(o, 90), ms(o, 99), o.getMaxValue() / 1000.0, msOrDash(q, 50), msOrDash(q, 99),
            maxOrDash(q), msOrDash(r, 50), msOrDash(r, 99), maxOrDash(r), lookups == 0 ? "–"
                : String.format(Locale.ROOT, "%.1f%% of %d lookups", 100.0 * ph.cacheHits / lookups, lookups));
      }
    }
    System.out.println();
    System.out.println("CPU per request (ms of CPU time, all threads of this JVM during the measured rounds; "
        + "jvm = GC, JIT and other non-Java threads):");
    System.out.println("| path | JVM busy (% of all cores) | total | " + String.join(" | ", CpuMeter.GROUPS)
        + " | jvm |");
    System.out.println("|---|---|---|" + "---|".repeat(CpuMeter.GROUPS.size()) + "---|");
    for (Phase ph : phases) {
      StringBuilder sb = new StringBuilder().append("| ").append(ph.name).append(" | ")
          .append(String.format(Locale.ROOT, "%.0f%% | %.3f", 100.0 * ph.cpu.get(CpuMeter.PROCESS)
              / ((double) ph.wallNanos * Runtime.getRuntime().availableProcessors()),
              ph.cpu.get(CpuMeter.PROCESS) / 1e6 / ph.requests));
      long threads = 0;
      for (String g : CpuMeter.GROUPS) {
        long v = ph.cpu.get(g);
        threads += v;
        sb.append(String.format(Locale.ROOT, " | %.3f", v / 1e6 / ph.requests));
      }
      sb.append(String.format(Locale.ROOT, " | %.3f |", (ph.cpu.get(CpuMeter.PROCESS) - threads) / 1e6 / ph.requests));
      System.out.println(sb);
    }
    System.out.println();
    System.out.println("Heap allocated per request (KB, by the threads of each component during the measured rounds):");
    System.out.println("| path | total | " + String.join(" | ", CpuMeter.GROUPS) + " |");
    System.out.println("|---|---|" + "---|".repeat(CpuMeter.GROUPS.size()));
    for (Phase ph : phases) {
      long total = 0;
      StringBuilder cols = new StringBuilder();
      for (String g : CpuMeter.GROUPS) {
        long v = ph.cpu.get(CpuMeter.ALLOC + g);
        total += v;
        cols.append(String.format(Locale.ROOT, " | %.1f", v / 1024.0 / ph.requests));
      }
      System.out.println("| " + ph.name + String.format(Locale.ROOT, " | %.1f", total / 1024.0 / ph.requests)
          + cols + " |");
    }
  }

  /** Where the gateway's internal histograms and the segment cache counters are read. */
  record Probe(GatewayMetrics metrics, ModelTokenizer tokenizer) {
  }

  /**
   * A gateway phase's requests, reading the gateway's internal histograms and cache counters over the same steady
   * window as the client's recorded requests (the ramp burst and the wind-down are left out on both sides).
   */
  private static final class Windowed implements StreamLoad.Requests {
    private final StreamLoad.Requests inner;
    private final Phase phase;
    private final Probe probe;
    private SegmentCacheStats cacheAtStart;

    Windowed(StreamLoad.Requests inner, Phase phase, Probe probe) {
      this.inner = inner;
      this.phase = phase;
      this.probe = probe;
    }

    @Override
    public Buffer body(int user, int index) {
      return inner.body(user, index);
    }

    @Override
    public boolean wantsAnswers() {
      return inner.wantsAnswers();
    }

    @Override
    public void answered(int user, StreamLoad.Answer answer) {
      inner.answered(user, answer);
    }

    @Override
    public void steadyStart() {
      probe.metrics().preUpstreamInterval();
      probe.metrics().tokenizerQueueInterval();
      probe.metrics().tokenizerRunInterval();
      cacheAtStart = probe.tokenizer().segmentCacheStats();
    }

    @Override
    public void steadyEnd() {
      if (cacheAtStart == null) {
        return;
      }
      phase.overhead.add(probe.metrics().preUpstreamInterval());
      phase.poolQueue.add(probe.metrics().tokenizerQueueInterval());
      phase.poolRun.add(probe.metrics().tokenizerRunInterval());
      SegmentCacheStats now = probe.tokenizer().segmentCacheStats();
      phase.cacheHits += now.hits() - cacheAtStart.hits();
      phase.cacheMisses += now.misses() - cacheAtStart.misses();
      cacheAtStart = null;
    }
  }

  /** Load shape shared by the phases. */
  record Workload(int promptTokens, int maxTokens, long thinkMs, int turns, int turnTokens) {
  }

  /** One measured path: its merged histograms and CPU over all rounds. */
  private static final class Phase {
    final String key;
    final String name;
    /** Through the gateway (else straight to the agents). */
    final boolean gateway;
    final boolean chat;
    /** Per load run (two for the direct paths, one per agent): multi-turn conversations, or null. */
    final Conversations[] conversations;
    /** Keys of the phases this one's added latency is reported against. */
    final List<String> baselines;
    final Histogram ttft = new Histogram(60_000_000L, 3);
    final Histogram e2e = new Histogram(600_000_000L, 3);
    final Histogram overhead = new Histogram(60_000_000L, 3);
    final Histogram poolQueue = new Histogram(60_000_000L, 3);
    final Histogram poolRun = new Histogram(60_000_000L, 3);
    final CpuMeter.Totals cpu = new CpuMeter.Totals();
    long cacheHits;
    long cacheMisses;
    int errors;
    long requests;
    long wallNanos;

    private Phase(String key, String name, boolean gateway, boolean chat, Conversations[] conversations,
        List<String> baselines) {
      this.key = key;
      this.name = name;
      this.gateway = gateway;
      this.chat = chat;
      this.conversations = conversations;
      this.baselines = baselines;
    }

    static Phase of(String key, int concurrency, Workload w) {
      return switch (key) {
        case "direct" -> new Phase(key, "direct agent (token ids)", false, false, null, List.of());
        case "gateway" -> new Phase(key, "gateway+router (token ids)", true, false, null, List.of("direct"));
        case "direct-chat" -> new Phase(key, "direct agent (chat, engine tokenises)", false, true, null,
            List.of());
        case "chat" -> new Phase(key, "gateway+router (chat, tokenised)", true, true, null,
            List.of("direct", "direct-chat"));
        case "direct-chat-mt" -> new Phase(key, "direct agent (multi-turn chat)", false, true, new Conversations[] {
            conversations(concurrency / 2, 1, w), conversations(concurrency - concurrency / 2, 2, w)}, List.of());
        case "chat-mt" -> new Phase(key, "gateway+router (multi-turn chat)", true, true,
            new Conversations[] {conversations(concurrency, 3, w)}, List.of("direct", "direct-chat-mt"));
        default -> throw new IllegalArgumentException("unknown phase '" + key + "'");
      };
    }

    private static Conversations conversations(int users, long stream, Workload w) {
      return new Conversations(users, stream * 1_000_000_000L, w.promptTokens(), w.turnTokens(), w.turns(),
          w.maxTokens());
    }

    double meanMessages() {
      double sum = 0;
      for (Conversations c : conversations) {
        sum += c.meanMessages();
      }
      return sum / conversations.length;
    }

    double meanPromptTokens() {
      double sum = 0;
      for (Conversations c : conversations) {
        sum += c.meanPromptTokens();
      }
      return sum / conversations.length;
    }

    String path() {
      return chat ? "/v1/chat/completions" : "/v1/completions";
    }

    /** One load run; {@code probe} (null during warm-up) receives the gateway's steady-window internals. */
    StreamLoad.Result run(StreamLoad load, String gwUrl, String[] agentUrls, int concurrency, int requests, long seed,
        Workload w, Probe probe) throws Exception {
      long base = seed + (chat ? 130_000_000L : 90_000_000L) + (gateway ? 0 : 50_000_000L);
      if (gateway) {
        StreamLoad.Requests r = requests(0, base, w);
        return load.run(gwUrl + path(), concurrency, requests, probe == null ? r : new Windowed(r, this, probe),
            w.thinkMs()).await(600, TimeUnit.SECONDS);
      }
      // split over both agents: two concurrent loops of half the concurrency each
      var a = load.run(agentUrls[0] + path(), concurrency / 2, requests / 2, requests(0, base, w), w.thinkMs());
      var b = load.run(agentUrls[1] + path(), concurrency - concurrency / 2, requests - requests / 2,
          requests(1, base + 10_000_000L, w), w.thinkMs());
      StreamLoad.Result ra = a.await(600, TimeUnit.SECONDS);
      StreamLoad.Result rb = b.await(600, TimeUnit.SECONDS);
      ra.ttftMicros().add(rb.ttftMicros());
      ra.e2eMicros().add(rb.e2eMicros());
      return new StreamLoad.Result(ra.ttftMicros(), ra.e2eMicros(), ra.errors() + rb.errors(),
          Math.max(ra.wallNanos(), rb.wallNanos()));
    }

    private StreamLoad.Requests requests(int part, long base, Workload w) {
      if (conversations != null) {
        return conversations[part];
      }
      return chat ? (user, i) -> chatBody(base + i, w.promptTokens(), w.maxTokens())
          : (user, i) -> tokenBody(base + i, w.promptTokens(), w.maxTokens());
    }
  }

  private static Phase find(Phase[] phases, String key) {
    for (Phase ph : phases) {
      if (ph.key.equals(key)) {
        return ph;
      }
    }
    return null;
  }

  private static double ms(Histogram h, double pct) {
    return h.getValueAtPercentile(pct) / 1000.0;
  }

  private static String msOrDash(Histogram h, double pct) {
    return h.getTotalCount() == 0 ? "–" : String.format(Locale.ROOT, "%.3f", ms(h, pct));
  }

  private static String maxOrDash(Histogram h) {
    return h.getTotalCount() == 0 ? "–" : String.format(Locale.ROOT, "%.3f", h.getMaxValue() / 1000.0);
  }

  /** A unique random token prompt (ids in the ordinary-text range of the Qwen vocabulary). */
  private static Buffer tokenBody(long seed, int promptTokens, int maxTokens) {
    SplittableRandom rnd = new SplittableRandom(seed);
    StringBuilder sb = new StringBuilder(promptTokens * 7 + 160).append("{\"prompt\":[");
    for (int i = 0; i < promptTokens; i++) {
      if (i > 0) {
        sb.append(',');
      }
      sb.append(1000 + rnd.nextInt(100_000));
    }
    sb.append("],\"max_tokens\":").append(maxTokens).append(",\"min_tokens\":").append(maxTokens)
        .append(",\"ignore_eos\":true,\"stream\":true}");
    return Buffer.buffer(sb.toString());
  }

  /** A unique chat prompt of roughly {@code promptTokens} tokens (words are ~1 token each). */
  private static Buffer chatBody(long seed, int promptTokens, int maxTokens) {
    String text = Conversations.words("req " + seed + ":", seed, promptTokens - 30);
    JsonObject body = new JsonObject()
        .put("messages", new JsonArray().add(new JsonObject().put("role", "user").put("content", text)))
        .put("max_tokens", maxTokens).put("min_tokens", maxTokens).put("ignore_eos", true).put("stream", true);
    return body.toBuffer();
  }
}

package io.kvroute.gateway.bench;

import io.kvroute.agent.Agent;
import io.kvroute.agent.AgentConfig;
import io.kvroute.common.config.CliOptions;
import io.kvroute.common.tokenizer.ModelTokenizer;
import io.kvroute.gateway.GatewayConfig;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.BitSet;
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
 * With {@code --isolate-gateway} the router and gateway run in a child JVM ({@link GatewayHostProcess}) pinned
 * with {@code taskset} to {@code --gateway-cpus} (default: the last core) and this JVM, which keeps the load
 * generator and the agents with their engines for both paths, is run again pinned to the other cores.
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
    try {
      run(args);
    } catch (CliOptions.UsageException e) {
      System.err.println("GatewayLatencyBench: " + e.getMessage() + " (--help lists the options)");
      System.exit(2);
    }
  }

  private static void run(String[] args) throws Exception {
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
            "gateway --segment-cache-chars (0 = off)")
        .option("tokenizer-inline-bytes", Integer.toString(GatewayConfig.DEFAULT_TOKENIZER_INLINE_BYTES),
            "gateway --tokenizer-inline-bytes (0 = every text prompt on the tokenizer pool)")
        .flag("isolate-gateway", "run the gateway + router in a child JVM pinned (taskset) to --gateway-cpus and "
            + "this JVM (load generator, agents, engines) to the other cores, as in a deployment")
        .option("gateway-cpus", "", "with --isolate-gateway: the gateway JVM's cores (default: the last core); all of "
            + "this process's cores: both JVMs share them, unpinned")
        .option("gateway-java-opts", "-Xmx1g", "with --isolate-gateway: JVM options of the gateway JVM "
            + "(G1 is added unless a collector is chosen)");
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
      try {
        selected.add(Phase.of(key.trim(), concurrency, w));
      } catch (IllegalArgumentException e) {
        throw new CliOptions.UsageException("--phases: " + e.getMessage());
      }
    }
    Phase[] phases = selected.toArray(Phase[]::new);

    boolean isolate = p.bool("isolate-gateway");
    BitSet gatewayCpus = null;
    boolean sharedCores = false;
    if (isolate) {
      BitSet allowed = CpuAffinity.allowed();
      try {
        gatewayCpus = p.string("gateway-cpus").isEmpty() ? lastCore(allowed)
            : CpuAffinity.parse(p.string("gateway-cpus"));
      } catch (IllegalArgumentException e) {
        throw new CliOptions.UsageException("--gateway-cpus: " + e.getMessage());
      }
      sharedCores = gatewayCpus.equals(allowed);
      if (allowed.intersects(gatewayCpus) && !sharedCores) {
        // This JVM may still run on the gateway's cores: run the benchmark again pinned to the others.
        BitSet load = (BitSet) allowed.clone();
        load.andNot(gatewayCpus);
        if (load.isEmpty()) {
          throw new CliOptions.UsageException("--isolate-gateway needs a core besides --gateway-cpus "
              + CpuAffinity.format(gatewayCpus) + " (this process may run on " + CpuAffinity.format(allowed) + ")");
        }
        System.exit(rerunPinned(load, gatewayCpus, args));
      }
    }
    List<String> gatewayFlags = List.of("--tokenizer-threads", p.string("tokenizer-threads"),
        "--segment-cache-chars", p.string("segment-cache-chars"), "--tokenizer-inline-bytes",
        p.string("tokenizer-inline-bytes"));
    GatewayUnderTest gw = isolate
        ? GatewayUnderTest.isolated(CpuAffinity.format(gatewayCpus), withG1(List.of(
            p.string("gateway-java-opts").trim().split("\\s+"))), gatewayFlags)
        : GatewayUnderTest.inProcess(gatewayFlags);
    String routerUrl = gw.routerUrl();
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
    String gwUrl = gw.gatewayUrl();
    Thread.sleep(3000); // agents register and the router subscribes

    Vertx clientVertx = Vertx.vertx();
    for (int i = 0; i < agentVertx.size(); i++) {
      CpuMeter.name(agentVertx.get(i), "agent" + i);
    }
    CpuMeter.name(clientVertx, "client");
    StreamLoad load = new StreamLoad(clientVertx, concurrency);
    String[] agentUrls = agents.stream().map(a -> "http://127.0.0.1:" + a.httpPort()).toArray(String[]::new);
    SplittableRandom seeds = new SplittableRandom(42);

    // Warm-up: every phase once, not recorded.
    long warmSeed = seeds.nextLong();
    for (Phase ph : phases) {
      ph.run(load, gwUrl, agentUrls, concurrency, warmup, warmSeed, w, null);
    }
    // Measured: short rounds, the phase order rotating each round, so slow drift (JIT, GC, other processes on the
    // machine) lands on every phase alike; each phase's histograms merge its rounds.
    int perRound = Math.max(concurrency, requests / rounds);
    CpuMeter cpu = new CpuMeter();
    for (int r = 0; r < rounds; r++) {
      long seed = seeds.nextLong();
      for (int k = 0; k < phases.length; k++) {
        Phase ph = phases[(r + k) % phases.length];
        Map<String, Long> before = snapshot(cpu, gw);
        StreamLoad.Result res = ph.run(load, gwUrl, agentUrls, concurrency, perRound, seed, w, gw);
        ph.cpu.addAll(CpuMeter.since(before, snapshot(cpu, gw)));
        gw.awaitWindows();
        ph.ttft.add(res.ttftMicros());
        ph.e2e.add(res.e2eMicros());
        ph.errors += res.errors();
        ph.requests += perRound;
        ph.wallNanos += res.wallNanos();
      }
    }
    int cores = Runtime.getRuntime().availableProcessors() + (isolate && !sharedCores ? gatewayCpus.cardinality() : 0);
    report(p, w, gw.describe(), phases, perRound, rounds, concurrency, cores);

    if (Boolean.getBoolean("bench.threadNames")) {
      // JFR keeps a thread's first name: print the renamed ones to attribute profile samples by thread id
      Thread.getAllStackTraces().keySet().forEach(t -> System.out.println("thread " + t.getId() + " " + t.getName()));
    }
    load.close().await(10, TimeUnit.SECONDS);
    clientVertx.close().await(10, TimeUnit.SECONDS);
    for (int i = 0; i < agents.size(); i++) {
      agents.get(i).stop().await(10, TimeUnit.SECONDS);
      agentVertx.get(i).close().await(10, TimeUnit.SECONDS);
    }
    gw.close();
    System.exit(0);
  }

  /** This JVM's CPU counters plus the isolated gateway JVM's (if any). */
  private static Map<String, Long> snapshot(CpuMeter cpu, GatewayUnderTest gw) throws Exception {
    Map<String, Long> m = cpu.snapshot();
    gw.remoteCpu().forEach((k, v) -> m.merge(k, v, Long::sum));
    return m;
  }

  private static BitSet lastCore(BitSet allowed) {
    BitSet b = new BitSet();
    b.set(allowed.length() - 1);
    return b;
  }

  /** JVM options with G1 added unless they choose a collector (a JVM on one core would default to Serial). */
  static List<String> withG1(List<String> opts) {
    List<String> out = new ArrayList<>();
    for (String o : opts) {
      if (!o.isEmpty()) {
        out.add(o);
      }
    }
    if (out.stream().noneMatch(o -> o.matches("-XX:\\+Use\\w+GC"))) {
      out.add("-XX:+UseG1GC");
    }
    return out;
  }

  /**
   * Runs this benchmark again as {@code taskset -c <load> java <this JVM's options> ... <args> --gateway-cpus
   * <gateway>}, its output inherited, and returns its exit code.
   */
  private static int rerunPinned(BitSet load, BitSet gatewayCpus, String[] args) throws Exception {
    List<String> cmd = new ArrayList<>(List.of("taskset", "-c", CpuAffinity.format(load),
        ProcessHandle.current().info().command().orElse(System.getProperty("java.home") + "/bin/java")));
    cmd.addAll(withG1(ManagementFactory.getRuntimeMXBean().getInputArguments()));
    cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), GatewayLatencyBench.class.getName()));
    cmd.addAll(List.of(args));
    cmd.addAll(List.of("--gateway-cpus", CpuAffinity.format(gatewayCpus)));
    Process pinned;
    try {
      pinned = new ProcessBuilder(cmd).inheritIO().start();
    } catch (java.io.IOException e) {
      throw new IllegalStateException("cannot start taskset (util-linux) for --isolate-gateway: " + e.getMessage());
    }
    Thread killer = new Thread(pinned::destroy, "pinned-bench-killer");
    Runtime.getRuntime().addShutdownHook(killer);
    int code = pinned.waitFor();
    Runtime.getRuntime().removeShutdownHook(killer);
    return code;
  }

  private static void report(CliOptions.Parsed p, Workload w, String setup, Phase[] phases, int perRound,
      int rounds, int concurrency, int cores) throws CliOptions.UsageException {
    int errors = 0;
    for (Phase ph : phases) {
      errors += ph.errors;
    }
    System.out.printf(Locale.ROOT, "concurrency=%d requests_per_phase=%d (%d rounds of %d, phase order rotating) "
        + "recorded_per_phase=%d prompt_tokens=%d max_tokens=%d speedup=%s think_ms=%d turns=%d turn_tokens=%d "
        + "tokenizer_threads=%s segment_cache_chars=%s tokenizer_inline_bytes=%s errors=%d cores=%d%n",
        concurrency, perRound * rounds, rounds, perRound, phases[0].ttft.getTotalCount(), w.promptTokens(),
        w.maxTokens(), p.string("speedup"), w.thinkMs(), w.turns(), w.turnTokens(), p.string("tokenizer-threads"),
        p.string("segment-cache-chars"), p.string("tokenizer-inline-bytes"), errors, cores);
    System.out.println("setup: " + setup);
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
        + "tokenizer-pool queueing / run time per job; inline = event-loop time of an attempt from the caches alone; "
        + "prompts inline / pool = text prompts tokenised on the event loop / on the pool:");
    System.out.println("| path | overhead p50 | p90 | p99 | max | pool wait p50 | p99 | max | pool run p50 | p99 | max "
        + "| inline p50 | p99 | max | prompts inline / pool | segment cache hits |");
    System.out.println("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|");
    for (Phase ph : phases) {
      if (ph.gateway) {
        Histogram o = ph.overhead;
        Histogram q = ph.poolQueue;
        Histogram r = ph.poolRun;
        Histogram in = ph.inline;
        long lookups = ph.cacheHits + ph.cacheMisses;
        System.out.printf(Locale.ROOT, "| %s | %.3f | %.3f | %.3f | %.3f | %s | %s | %s | %s | %s | %s | %s | %s | %s "
            + "| %d / %d | %s |%n",
            ph.name, ms(o, 50), ms(o, 90), ms(o, 99), o.getMaxValue() / 1000.0, msOrDash(q, 50), msOrDash(q, 99),
            maxOrDash(q), msOrDash(r, 50), msOrDash(r, 99), maxOrDash(r), msOrDash(in, 50), msOrDash(in, 99),
            maxOrDash(in), ph.inlinePrompts, ph.pooledPrompts, lookups == 0 ? "–"
                : String.format(Locale.ROOT, "%.1f%% of %d lookups", 100.0 * ph.cacheHits / lookups, lookups));
      }
    }
    System.out.println();
    System.out.println("CPU per request (ms of CPU time, all threads of the benchmark's JVM(s) during the measured "
        + "rounds; jvm = GC, JIT and other non-Java threads):");
    System.out.println("| path | JVM busy (% of all cores) | total | " + String.join(" | ", CpuMeter.GROUPS)
        + " | jvm |");
    System.out.println("|---|---|---|" + "---|".repeat(CpuMeter.GROUPS.size()) + "---|");
    for (Phase ph : phases) {
      StringBuilder sb = new StringBuilder().append("| ").append(ph.name).append(" | ")
          .append(String.format(Locale.ROOT, "%.0f%% | %.3f", 100.0 * ph.cpu.get(CpuMeter.PROCESS)
              / ((double) ph.wallNanos * cores),
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

  /**
   * A gateway phase's requests, reading the gateway's internal histograms and cache counters over the same steady
   * window as the client's recorded requests (the ramp burst and the wind-down are left out on both sides).
   */
  private static final class Windowed implements StreamLoad.Requests {
    private final StreamLoad.Requests inner;
    private final Phase phase;
    private final GatewayUnderTest gw;

    Windowed(StreamLoad.Requests inner, Phase phase, GatewayUnderTest gw) {
      this.inner = inner;
      this.phase = phase;
      this.gw = gw;
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
      gw.steadyStart();
    }

    @Override
    public void steadyEnd() {
      gw.steadyEnd(phase::add);
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
    final Histogram inline = new Histogram(60_000_000L, 3);
    final CpuMeter.Totals cpu = new CpuMeter.Totals();
    long cacheHits;
    long cacheMisses;
    long inlinePrompts;
    long pooledPrompts;
    int errors;
    long requests;
    long wallNanos;

    /** Adds a steady window of the gateway's internals (from the window's reporting thread). */
    synchronized void add(GatewayUnderTest.Window window) {
      overhead.add(window.overhead());
      poolQueue.add(window.poolQueue());
      poolRun.add(window.poolRun());
      inline.add(window.inline());
      inlinePrompts += window.inlinePrompts();
      pooledPrompts += window.pooledPrompts();
      cacheHits += window.cacheHits();
      cacheMisses += window.cacheMisses();
    }

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
        Workload w, GatewayUnderTest probe) throws Exception {
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

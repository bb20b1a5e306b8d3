package io.kvroute.gateway.bench;

import io.kvroute.agent.Agent;
import io.kvroute.agent.AgentConfig;
import io.kvroute.common.config.CliOptions;
import io.kvroute.common.tokenizer.ModelTokenizer;
import io.kvroute.gateway.GatewayConfig;
import io.kvroute.gateway.GatewayVerticle;
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
 * this JVM on loopback ephemeral ports, then drives closed-loop streamed load at a fixed concurrency:
 * <ol>
 *   <li>direct: client → agent /v1/completions (token ids), alternating agents;</li>
 *   <li>gateway-tokens: client → gateway /v1/completions with the same kind of token-id prompt (route + proxy);</li>
 *   <li>gateway-chat: client → gateway /v1/chat/completions (adds chat template + tokenisation).</li>
 * </ol>
 * Every request has a unique prompt, so no phase benefits from cache hits of another. Prints TTFT/e2e
 * percentiles and the added TTFT (gateway minus direct) per percentile.
 *
 * <p>Run (from the worktree root, after {@code mvn -B -ntp -o -q -pl api-gateway -am test-compile}):
 * {@code java -cp "$(cat cp.txt)" io.kvroute.gateway.bench.GatewayLatencyBench --concurrency 256}
 */
public final class GatewayLatencyBench {

  private GatewayLatencyBench() {
  }

  public static void main(String[] args) throws Exception {
    CliOptions opts = CliOptions.create("GatewayLatencyBench", "gateway+router added latency vs direct agent")
        .option("concurrency", "256", "concurrent streams")
        .option("requests", "4096", "measured requests per phase (split over the rounds)")
        .option("warmup", "1024", "warm-up requests per phase, once before the rounds (not recorded)")
        .option("prompt-tokens", "512", "prompt length in tokens")
        .option("max-tokens", "16", "completion length (ignore_eos)")
        .option("speedup", "1000", "sim engine speedup")
        .option("think-ms", "0", "mean pause of each stream between its requests (0 = closed loop, saturating)")
        .option("rounds", "8", "rounds; each runs every phase once, the order rotating (results merged)");
    CliOptions.Parsed p = opts.parse(args);
    if (p.helpRequested()) {
      System.out.print(opts.help());
      return;
    }
    int concurrency = p.integer("concurrency");
    int requests = p.integer("requests");
    int warmup = p.integer("warmup");
    int promptTokens = p.integer("prompt-tokens");
    int maxTokens = p.integer("max-tokens");
    int rounds = p.integer("rounds");
    long thinkMs = p.integer("think-ms");

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
    ModelTokenizer tokenizer = ModelTokenizer.loadBundled();
    Vertx gwVertx = Vertx.vertx();
    GatewayVerticle gateway = new GatewayVerticle(GatewayConfig.forTest(List.of(routerUrl)), tokenizer,
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
    Phase[] phases = {
        new Phase("direct agent (token ids)", null),
        new Phase("gateway+router (token ids)", "/v1/completions"),
        new Phase("gateway+router (chat, tokenised)", "/v1/chat/completions")};

    // Warm-up: every phase once, not recorded.
    long warmSeed = seeds.nextLong();
    for (Phase ph : phases) {
      ph.run(load, gwUrl, agentUrls, concurrency, warmup, warmSeed, promptTokens, maxTokens, thinkMs);
      gateway.metrics().preUpstreamInterval();
    }
    // Measured: short rounds, the phase order rotating each round, so slow drift (JIT, GC, other processes on the
    // machine) lands on every phase alike; each phase's histograms merge its rounds.
    int perRound = Math.max(concurrency, requests / rounds);
    CpuMeter cpu = new CpuMeter();
    for (int r = 0; r < rounds; r++) {
      long seed = seeds.nextLong();
      for (int k = 0; k < phases.length; k++) {
        Phase ph = phases[(r + k) % phases.length];
        gateway.metrics().preUpstreamInterval();
        Map<String, Long> before = cpu.snapshot();
        StreamLoad.Result res = ph.run(load, gwUrl, agentUrls, concurrency, perRound, seed, promptTokens, maxTokens,
            thinkMs);
        ph.cpu.addAll(cpu.since(before));
        ph.ttft.add(res.ttftMicros());
        ph.e2e.add(res.e2eMicros());
        ph.errors += res.errors();
        ph.requests += perRound;
        ph.wallNanos += res.wallNanos();
        if (ph.gatewayPath != null) {
          ph.overhead.add(gateway.metrics().preUpstreamInterval());
        }
      }
    }
    int errors = 0;
    for (Phase ph : phases) {
      errors += ph.errors;
    }
    Phase direct = phases[0];

    System.out.printf(Locale.ROOT, "concurrency=%d requests_per_phase=%d (%d rounds of %d, phase order rotating) "
        + "recorded_per_phase=%d prompt_tokens=%d max_tokens=%d speedup=%s think_ms=%d errors=%d cores=%d%n",
        concurrency, perRound * rounds, rounds, perRound, direct.ttft.getTotalCount(), promptTokens, maxTokens,
        p.string("speedup"), thinkMs, errors, Runtime.getRuntime().availableProcessors());
    System.out.println("| path | TTFT p50 ms | TTFT p90 ms | TTFT p99 ms | e2e p50 ms | e2e p99 ms | req/s |");
    System.out.println("|---|---|---|---|---|---|---|");
    for (Phase ph : phases) {
      System.out.printf(Locale.ROOT, "| %s | %.2f | %.2f | %.2f | %.2f | %.2f | %.0f |%n", ph.name, ms(ph.ttft, 50),
          ms(ph.ttft, 90), ms(ph.ttft, 99), ms(ph.e2e, 50), ms(ph.e2e, 99), ph.requests * 1e9 / ph.wallNanos);
    }
    for (int k = 1; k < phases.length; k++) {
      Phase ph = phases[k];
      System.out.printf(Locale.ROOT, "| added by %s | %.2f | %.2f | %.2f | | | |%n", ph.name.replace("gateway+router ",
          "gateway+router "), ms(ph.ttft, 50) - ms(direct.ttft, 50), ms(ph.ttft, 90) - ms(direct.ttft, 90),
          ms(ph.ttft, 99) - ms(direct.ttft, 99));
    }
    System.out.println();
    System.out.println("Gateway-side time before the worker sees the request (parse, tokenise, hash, POST /v1/route,"
        + " send), measured inside the gateway:");
    System.out.println("| path | p50 ms | p90 ms | p99 ms | max ms |");
    System.out.println("|---|---|---|---|---|");
    overheadRow("token ids", phases[1].overhead);
    overheadRow("chat (template + tokenise)", phases[2].overhead);
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

  /** One measured path: its merged histograms and CPU over all rounds. */
  private static final class Phase {
    final String name;
    /** Gateway path, or null for the direct agent path. */
    final String gatewayPath;
    final Histogram ttft = new Histogram(60_000_000L, 3);
    final Histogram e2e = new Histogram(600_000_000L, 3);
    final Histogram overhead = new Histogram(60_000_000L, 3);
    final CpuMeter.Totals cpu = new CpuMeter.Totals();
    int errors;
    long requests;
    long wallNanos;

    Phase(String name, String gatewayPath) {
      this.name = name;
      this.gatewayPath = gatewayPath;
    }

    StreamLoad.Result run(StreamLoad load, String gwUrl, String[] agentUrls, int concurrency, int requests, long seed,
        int promptTokens, int maxTokens, long thinkMs) throws Exception {
      if (gatewayPath == null) {
        // split over both agents: two concurrent closed loops of half the concurrency each
        return runBoth(load, agentUrls, concurrency, requests, seed + 7, promptTokens, maxTokens, thinkMs);
      }
      boolean chat = gatewayPath.contains("chat");
      long base = seed + (chat ? 130_000_000L : 90_000_000L);
      return load.run(gwUrl + gatewayPath, concurrency, requests,
          i -> chat ? chatBody(base + i, promptTokens, maxTokens) : tokenBody(base + i, promptTokens, maxTokens),
          thinkMs).await(600, TimeUnit.SECONDS);
    }
  }

  private static StreamLoad.Result runBoth(StreamLoad load, String[] agentUrls, int concurrency, int requests,
      long seed, int promptTokens, int maxTokens, long thinkMs) throws Exception {
    var a = load.run(agentUrls[0] + "/v1/completions", concurrency / 2, requests / 2,
        i -> tokenBody(seed + i, promptTokens, maxTokens), thinkMs);
    var b = load.run(agentUrls[1] + "/v1/completions", concurrency - concurrency / 2, requests - requests / 2,
        i -> tokenBody(seed + 10_000_000L + i, promptTokens, maxTokens), thinkMs);
    StreamLoad.Result ra = a.await(600, TimeUnit.SECONDS);
    StreamLoad.Result rb = b.await(600, TimeUnit.SECONDS);
    ra.ttftMicros().add(rb.ttftMicros());
    ra.e2eMicros().add(rb.e2eMicros());
    return new StreamLoad.Result(ra.ttftMicros(), ra.e2eMicros(), ra.errors() + rb.errors(),
        Math.max(ra.wallNanos(), rb.wallNanos()));
  }

  private static void overheadRow(String name, Histogram h) {
    System.out.printf(Locale.ROOT, "| %s | %.3f | %.3f | %.3f | %.3f |%n", name, ms(h, 50), ms(h, 90), ms(h, 99),
        h.getMaxValue() / 1000.0);
  }

  private static double ms(Histogram h, double pct) {
    return h.getValueAtPercentile(pct) / 1000.0;
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
    SplittableRandom rnd = new SplittableRandom(seed);
    StringBuilder text = new StringBuilder(promptTokens * 6).append("req ").append(seed).append(':');
    String[] words = {"cache", "router", "token", "block", "prefix", "worker", "stream", "latency", "engine", "batch"};
    for (int i = 0; i < promptTokens - 30; i++) {
      text.append(' ').append(words[rnd.nextInt(words.length)]);
    }
    JsonObject body = new JsonObject()
        .put("messages", new JsonArray().add(new JsonObject().put("role", "user").put("content", text.toString())))
        .put("max_tokens", maxTokens).put("min_tokens", maxTokens).put("ignore_eos", true).put("stream", true);
    return body.toBuffer();
  }
}

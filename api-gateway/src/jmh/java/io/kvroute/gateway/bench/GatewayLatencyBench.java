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
        .option("requests", "4096", "measured requests per phase")
        .option("warmup", "1024", "warm-up requests per phase (not recorded)")
        .option("prompt-tokens", "512", "prompt length in tokens")
        .option("max-tokens", "16", "completion length (ignore_eos)")
        .option("speedup", "1000", "sim engine speedup")
        .option("rounds", "2", "alternate direct/gateway this many times (results merged)");
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
    StreamLoad load = new StreamLoad(clientVertx, concurrency);
    String[] agentUrls = agents.stream().map(a -> "http://127.0.0.1:" + a.httpPort()).toArray(String[]::new);
    SplittableRandom seeds = new SplittableRandom(42);

    Histogram directTtft = new Histogram(60_000_000L, 3);
    Histogram gwTtft = new Histogram(60_000_000L, 3);
    Histogram chatTtft = new Histogram(60_000_000L, 3);
    Histogram directE2e = new Histogram(600_000_000L, 3);
    Histogram gwE2e = new Histogram(600_000_000L, 3);
    Histogram chatE2e = new Histogram(600_000_000L, 3);
    Histogram gwOverhead = new Histogram(60_000_000L, 3);
    Histogram chatOverhead = new Histogram(60_000_000L, 3);
    int errors = 0;
    for (int r = 0; r < rounds; r++) {
      long seed = seeds.nextLong();
      // direct: split the load over both agents with two concurrent runs of half the concurrency each
      for (int a = 0; a < 2; a++) {
        int idx = a;
        load.run(agentUrls[idx] + "/v1/completions", concurrency, warmup / 2,
            i -> tokenBody(seed + 1_000_000L * idx + i, promptTokens, maxTokens)).await(600, TimeUnit.SECONDS);
      }
      StreamLoad.Result d0 = runBoth(load, agentUrls, concurrency, requests, seed + 7, promptTokens, maxTokens);
      directTtft.add(d0.ttftMicros());
      directE2e.add(d0.e2eMicros());
      errors += d0.errors();

      load.run(gwUrl + "/v1/completions", concurrency, warmup,
          i -> tokenBody(seed + 50_000_000L + i, promptTokens, maxTokens)).await(600, TimeUnit.SECONDS);
      gateway.metrics().preUpstreamInterval();
      StreamLoad.Result g = load.run(gwUrl + "/v1/completions", concurrency, requests,
          i -> tokenBody(seed + 90_000_000L + i, promptTokens, maxTokens)).await(600, TimeUnit.SECONDS);
      gwTtft.add(g.ttftMicros());
      gwE2e.add(g.e2eMicros());
      errors += g.errors();
      gwOverhead.add(gateway.metrics().preUpstreamInterval());

      StreamLoad.Result c = load.run(gwUrl + "/v1/chat/completions", concurrency, requests,
          i -> chatBody(seed + 130_000_000L + i, promptTokens, maxTokens)).await(600, TimeUnit.SECONDS);
      chatTtft.add(c.ttftMicros());
      chatE2e.add(c.e2eMicros());
      errors += c.errors();
      chatOverhead.add(gateway.metrics().preUpstreamInterval());
    }

    System.out.printf(Locale.ROOT, "concurrency=%d requests_per_phase=%d x %d rounds prompt_tokens=%d "
        + "max_tokens=%d speedup=%s errors=%d cores=%d%n", concurrency, requests, rounds, promptTokens, maxTokens,
        p.string("speedup"), errors, Runtime.getRuntime().availableProcessors());
    System.out.println("| path | TTFT p50 ms | TTFT p90 ms | TTFT p99 ms | e2e p50 ms | e2e p99 ms |");
    System.out.println("|---|---|---|---|---|---|");
    row("direct agent (token ids)", directTtft, directE2e);
    row("gateway+router (token ids)", gwTtft, gwE2e);
    row("gateway+router (chat, tokenised)", chatTtft, chatE2e);
    System.out.printf(Locale.ROOT, "| added by gateway+router (token ids) | %.2f | %.2f | %.2f | | |%n",
        ms(gwTtft, 50) - ms(directTtft, 50), ms(gwTtft, 90) - ms(directTtft, 90), ms(gwTtft, 99) - ms(directTtft, 99));
    System.out.printf(Locale.ROOT, "| added by gateway+router (chat) | %.2f | %.2f | %.2f | | |%n",
        ms(chatTtft, 50) - ms(directTtft, 50), ms(chatTtft, 90) - ms(directTtft, 90),
        ms(chatTtft, 99) - ms(directTtft, 99));
    System.out.println();
    System.out.println("Gateway-side time before the worker sees the request (parse, tokenise, hash, POST /v1/route,"
        + " send), measured inside the gateway:");
    System.out.println("| path | p50 ms | p90 ms | p99 ms | max ms |");
    System.out.println("|---|---|---|---|---|");
    overheadRow("token ids", gwOverhead);
    overheadRow("chat (template + tokenise)", chatOverhead);

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

  private static StreamLoad.Result runBoth(StreamLoad load, String[] agentUrls, int concurrency, int requests,
      long seed, int promptTokens, int maxTokens) throws Exception {
    var a = load.run(agentUrls[0] + "/v1/completions", concurrency / 2, requests / 2,
        i -> tokenBody(seed + i, promptTokens, maxTokens));
    var b = load.run(agentUrls[1] + "/v1/completions", concurrency - concurrency / 2, requests - requests / 2,
        i -> tokenBody(seed + 10_000_000L + i, promptTokens, maxTokens));
    StreamLoad.Result ra = a.await(600, TimeUnit.SECONDS);
    StreamLoad.Result rb = b.await(600, TimeUnit.SECONDS);
    ra.ttftMicros().add(rb.ttftMicros());
    ra.e2eMicros().add(rb.e2eMicros());
    return new StreamLoad.Result(ra.ttftMicros(), ra.e2eMicros(), ra.errors() + rb.errors(),
        Math.max(ra.wallNanos(), rb.wallNanos()));
  }

  private static void row(String name, Histogram ttft, Histogram e2e) {
    System.out.printf(Locale.ROOT, "| %s | %.2f | %.2f | %.2f | %.2f | %.2f |%n", name, ms(ttft, 50), ms(ttft, 90),
        ms(ttft, 99), ms(e2e, 50), ms(e2e, 99));
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

package io.kvroute.gateway.bench;

import io.kvroute.common.config.CliOptions;
import io.kvroute.common.tokenizer.ModelTokenizer;
import io.kvroute.common.tokenizer.SegmentCacheStats;
import io.kvroute.gateway.GatewayConfig;
import io.kvroute.gateway.GatewayVerticle;
import io.kvroute.router.RouterConfig;
import io.kvroute.router.RouterVerticle;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.Vertx;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.HdrHistogram.Histogram;

/**
 * The gateway and the router in a JVM of their own (benchmark support for {@code GatewayLatencyBench
 * --isolate-gateway}, which starts this class pinned to its own core, as in a deployment where the gateway and
 * router do not share cores with the engines' agents or the load generator). Prints one line {@code BENCH-READY
 * <routerPort> <gatewayPort> <cores> <collectors>} once both listen, then answers commands read line by line from
 * stdin, each with one stdout line starting {@code BENCH-CTL}:
 * <ul>
 *   <li>{@code start}: begins a steady window (resets the gateway's interval histograms, notes the segment cache
 *       counters); answers {@code BENCH-CTL ok};</li>
 *   <li>{@code end}: answers {@code BENCH-CTL window <overhead> <pool wait> <pool run> <cache hits> <cache misses>},
 *       the histograms since {@code start} as base64 compressed HdrHistograms;</li>
 *   <li>{@code cpu}: answers {@code BENCH-CTL cpu} and tab-separated {@code key=value} entries of
 *       {@link CpuMeter#snapshot()};</li>
 *   <li>{@code quit} (or the end of stdin, when the benchmark JVM is gone): closes everything and exits.</li>
 * </ul>
 */
public final class GatewayHostProcess {

  static final String READY = "BENCH-READY ";
  static final String REPLY = "BENCH-CTL ";

  private GatewayHostProcess() {
  }

  public static void main(String[] args) throws Exception {
    CliOptions opts = CliOptions.create("GatewayHostProcess", "gateway + router for GatewayLatencyBench")
        .option("tokenizer-threads", "2", "gateway --tokenizer-threads")
        .option("segment-cache-chars", Long.toString(ModelTokenizer.DEFAULT_SEGMENT_CACHE_CHARS),
            "gateway --segment-cache-chars");
    CliOptions.Parsed p = opts.parse(args);
    Vertx routerVertx = Vertx.vertx();
    RouterVerticle router = new RouterVerticle(RouterConfig.from(RouterConfig.options().parse(new String[] {
        "--router-port", "0", "--host", "127.0.0.1", "--http-instances", "1"}, Map.of())));
    routerVertx.deployVerticle(router).await(30, TimeUnit.SECONDS);
    GatewayConfig gwConfig = GatewayConfig.from(GatewayConfig.options().parse(new String[] {
        "--host", "127.0.0.1", "--http-port", "0", "--router-url", "http://127.0.0.1:" + router.actualPort(),
        "--tokenizer-threads", p.string("tokenizer-threads"), "--segment-cache-chars",
        p.string("segment-cache-chars")}, Map.of()));
    ModelTokenizer tokenizer = gwConfig.loadTokenizer();
    Vertx gwVertx = Vertx.vertx();
    GatewayVerticle gateway = new GatewayVerticle(gwConfig, tokenizer,
        new PrometheusMeterRegistry(PrometheusConfig.DEFAULT));
    gwVertx.deployVerticle(gateway).await(30, TimeUnit.SECONDS);
    CpuMeter.name(routerVertx, "router");
    CpuMeter.name(gwVertx, "gw");
    CpuMeter cpu = new CpuMeter();

    // Logs go to stdout too; replies are whole lines written under System.out's lock, so they never interleave.
    PrintStream out = System.out;
    String collectors = ManagementFactory.getGarbageCollectorMXBeans().stream()
        .map(GarbageCollectorMXBean::getName).collect(Collectors.joining(",")).replace(' ', '_');
    out.println(READY + router.actualPort() + " " + gateway.actualPort() + " "
        + Runtime.getRuntime().availableProcessors() + " " + collectors);
    out.flush();

    BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
    SegmentCacheStats cacheAtStart = tokenizer.segmentCacheStats();
    for (String line = in.readLine(); line != null && !line.equals("quit"); line = in.readLine()) {
      switch (line) {
        case "start" -> {
          gateway.metrics().preUpstreamInterval();
          gateway.metrics().tokenizerQueueInterval();
          gateway.metrics().tokenizerRunInterval();
          cacheAtStart = tokenizer.segmentCacheStats();
          out.println(REPLY + "ok");
        }
        case "end" -> {
          SegmentCacheStats now = tokenizer.segmentCacheStats();
          out.println(REPLY + "window " + encode(gateway.metrics().preUpstreamInterval()) + " "
              + encode(gateway.metrics().tokenizerQueueInterval()) + " "
              + encode(gateway.metrics().tokenizerRunInterval()) + " " + (now.hits() - cacheAtStart.hits()) + " "
              + (now.misses() - cacheAtStart.misses()));
        }
        case "cpu" -> out.println(REPLY + "cpu " + cpu.snapshot().entrySet().stream()
            .map(e -> e.getKey() + "=" + e.getValue()).collect(Collectors.joining("\t")));
        default -> out.println(REPLY + "error unknown command '" + line + "'");
      }
      out.flush();
    }
    gwVertx.close().await(10, TimeUnit.SECONDS);
    routerVertx.close().await(10, TimeUnit.SECONDS);
    System.exit(0);
  }

  static String encode(Histogram h) {
    ByteBuffer buf = ByteBuffer.allocate(h.getNeededByteBufferCapacity());
    int n = h.encodeIntoCompressedByteBuffer(buf);
    return Base64.getEncoder().encodeToString(java.util.Arrays.copyOf(buf.array(), n));
  }

  static Histogram decode(String base64) throws java.util.zip.DataFormatException {
    return Histogram.decodeFromCompressedByteBuffer(ByteBuffer.wrap(Base64.getDecoder().decode(base64)), 0);
  }
}

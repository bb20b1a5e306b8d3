package io.kvroute.gateway.bench;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import java.util.stream.Collectors;
import org.HdrHistogram.Histogram;

/**
 * The gateway and the router in a JVM of their own (benchmark support for {@code GatewayLatencyBench
 * --isolate-gateway}, which starts this class pinned to its own core, as in a deployment where the gateway and
 * router do not share cores with the engines' agents or the load generator). Its arguments are the gateway's own
 * flags (as {@code api-gateway} takes them). Prints one line {@code BENCH-READY
 * <routerPort> <gatewayPort> <cores> <collectors>} once both listen, then answers commands read line by line from
 * stdin, each with one stdout line starting {@code BENCH-CTL}:
 * <ul>
 *   <li>{@code start}: begins a steady window (resets the gateway's interval histograms, notes the segment cache
 *       counters); answers {@code BENCH-CTL ok};</li>
 *   <li>{@code end}: answers {@code BENCH-CTL window <overhead> <pool wait> <pool run> <inline> <cache hits>
 *       <cache misses> <inline prompts> <pooled prompts>}, the histograms since {@code start} as base64 compressed
 *       HdrHistograms, the counts since {@code start};</li>
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
    RouterAndGateway system = RouterAndGateway.start(List.of(args)); // the gateway's own flags
    CpuMeter cpu = new CpuMeter();

    // Logs go to stdout too; replies are whole lines written under System.out's lock, so they never interleave.
    PrintStream out = System.out;
    String collectors = ManagementFactory.getGarbageCollectorMXBeans().stream()
        .map(GarbageCollectorMXBean::getName).collect(Collectors.joining(",")).replace(' ', '_');
    out.println(READY + system.routerPort() + " " + system.gatewayPort() + " "
        + Runtime.getRuntime().availableProcessors() + " " + collectors);
    out.flush();

    BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
    for (String line = in.readLine(); line != null && !line.equals("quit"); line = in.readLine()) {
      switch (line) {
        case "start" -> {
          system.windowStart();
          out.println(REPLY + "ok");
        }
        case "end" -> {
          GatewayUnderTest.Window w = system.windowEnd();
          out.println(w == null ? REPLY + "error no window started" : REPLY + "window " + encode(w.overhead()) + " "
              + encode(w.poolQueue()) + " " + encode(w.poolRun()) + " " + encode(w.inline()) + " " + w.cacheHits()
              + " " + w.cacheMisses() + " " + w.inlinePrompts() + " " + w.pooledPrompts());
        }
        case "cpu" -> out.println(REPLY + "cpu " + cpu.snapshot().entrySet().stream()
            .map(e -> e.getKey() + "=" + e.getValue()).collect(Collectors.joining("\t")));
        default -> out.println(REPLY + "error unknown command '" + line + "'");
      }
      out.flush();
    }
    system.close();
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

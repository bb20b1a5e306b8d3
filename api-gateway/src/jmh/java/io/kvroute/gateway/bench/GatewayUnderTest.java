package io.kvroute.gateway.bench;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.stream.Collectors;
import org.HdrHistogram.Histogram;

/**
 * The router + gateway the benchmark drives: in this JVM ({@link #inProcess}), or in a child JVM pinned to cores of
 * its own ({@link #isolated}, started with {@code taskset}). Either way the benchmark reads the gateway's internal
 * histograms over a steady window and its CPU per component.
 */
interface GatewayUnderTest extends AutoCloseable {

  /** The gateway's internal times and segment cache lookups over one steady window. */
  record Window(Histogram overhead, Histogram poolQueue, Histogram poolRun, Histogram inline, long cacheHits,
      long cacheMisses, long inlinePrompts, long pooledPrompts) {
  }

  String routerUrl();

  String gatewayUrl();

  /** One line for the report: where the gateway runs. */
  String describe();

  /** Called on the load's event loop when a steady window begins; must not block. */
  void steadyStart();

  /** Called on the load's event loop when the window ends; {@code sink} gets its figures, maybe later. */
  void steadyEnd(Consumer<Window> sink);

  /** Waits until every window ended so far reached its sink. */
  void awaitWindows() throws Exception;

  /**
   * CPU and allocation counters of threads outside this JVM in {@link CpuMeter#snapshot()} form (keys distinct from
   * this JVM's), the other process's total added to {@link CpuMeter#PROCESS}; empty when everything is in this JVM.
   */
  Map<String, Long> remoteCpu() throws Exception;

  @Override
  void close() throws Exception;

  /** Router and gateway in this JVM, sharing its cores with the agents, the engines and the load generator. */
  static GatewayUnderTest inProcess(List<String> gatewayFlags) throws Exception {
    RouterAndGateway system = RouterAndGateway.start(gatewayFlags);
    String routerUrl = "http://127.0.0.1:" + system.routerPort();
    String gwUrl = "http://127.0.0.1:" + system.gatewayPort();
    return new GatewayUnderTest() {
      @Override
      public String routerUrl() {
        return routerUrl;
      }

      @Override
      public String gatewayUrl() {
        return gwUrl;
      }

      @Override
      public String describe() {
        return "in-process (gateway, router, agents, engines and load generator share all "
            + Runtime.getRuntime().availableProcessors() + " cores; GC " + collectors() + ")";
      }

      @Override
      public void steadyStart() {
        system.windowStart();
      }

      @Override
      public void steadyEnd(Consumer<Window> sink) {
        Window w = system.windowEnd();
        if (w != null) {
          sink.accept(w);
        }
      }

      @Override
      public void awaitWindows() {
      }

      @Override
      public Map<String, Long> remoteCpu() {
        return Map.of();
      }

      @Override
      public void close() throws Exception {
        system.close();
      }
    };
  }

  /**
   * Router and gateway in a child JVM ({@link GatewayHostProcess}) started as {@code taskset -c <cpus> java
   * <javaOpts> -cp <this class path> ...}: pinned to {@code cpus}, while this JVM is pinned elsewhere.
   */
  static GatewayUnderTest isolated(String cpus, List<String> javaOpts, List<String> gatewayFlags)
      throws Exception {
    List<String> cmd = new ArrayList<>(List.of("taskset", "-c", cpus,
        ProcessHandle.current().info().command().orElse(System.getProperty("java.home") + "/bin/java")));
    cmd.addAll(javaOpts);
    cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), GatewayHostProcess.class.getName()));
    cmd.addAll(gatewayFlags);
    Process child = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.INHERIT).start();
    Thread killer = new Thread(child::destroyForcibly, "gateway-jvm-killer");
    Runtime.getRuntime().addShutdownHook(killer);
    return new Remote(child, killer, cpus, String.join(" ", javaOpts));
  }

  private static String collectors() {
    return ManagementFactory.getGarbageCollectorMXBeans().stream().map(GarbageCollectorMXBean::getName)
        .collect(Collectors.joining(", "));
  }

  /** The child JVM seen from the benchmark: commands on its stdin, one reply line each on its stdout. */
  final class Remote implements GatewayUnderTest {
    private final Process child;
    private final Thread killer;
    private final Writer commands;
    /** Reply handlers in command order; the reader thread completes them (guarded by this). */
    private final ArrayDeque<Consumer<String>> pending = new ArrayDeque<>();
    private final CompletableFuture<String[]> ready = new CompletableFuture<>();
    private final String description;
    private String[] readyLine;

    Remote(Process child, Thread killer, String cpus, String javaOpts) throws Exception {
      this.child = child;
      this.killer = killer;
      this.commands = new OutputStreamWriter(child.getOutputStream(), StandardCharsets.UTF_8);
      Thread reader = new Thread(this::readReplies, "gateway-jvm-reader");
      reader.setDaemon(true);
      reader.start();
      try {
        readyLine = ready.get(120, TimeUnit.SECONDS);
      } catch (Exception e) {
        child.destroyForcibly();
        throw new IllegalStateException("the gateway JVM did not start (is taskset installed? exit code "
            + (child.isAlive() ? "none yet" : child.exitValue()) + ")", e);
      }
      this.description = "isolated: gateway + router in their own JVM pinned with taskset -c " + cpus + " ("
          + readyLine[2] + " core(s) visible, GC " + readyLine[3].replace('_', ' ').replace(",", ", ")
          + (javaOpts.isEmpty() ? "" : ", " + javaOpts) + "); agents, engines and load generator in this JVM on "
          + "cores " + CpuAffinity.format(CpuAffinity.allowed()) + " (GC " + collectors() + ")";
    }

    private void readReplies() {
      try (BufferedReader r = new BufferedReader(new InputStreamReader(child.getInputStream(),
          StandardCharsets.UTF_8))) {
        for (String line = r.readLine(); line != null; line = r.readLine()) {
          if (line.startsWith(GatewayHostProcess.READY)) {
            ready.complete(line.substring(GatewayHostProcess.READY.length()).split(" "));
          } else if (line.startsWith(GatewayHostProcess.REPLY)) {
            Consumer<String> handler;
            synchronized (this) {
              handler = pending.poll();
              notifyAll();
            }
            if (handler != null) {
              handler.accept(line.substring(GatewayHostProcess.REPLY.length()));
            }
          } else if (!line.contains(" INFO ")) {
            System.out.println("[gateway-jvm] " + line);
          }
        }
      } catch (IOException e) {
        System.out.println("[gateway-jvm] stdout closed: " + e.getMessage());
      }
      ready.completeExceptionally(new IllegalStateException("gateway JVM exited"));
    }

    /** Sends one command; {@code onReply} runs on the reader thread with the reply line. */
    private synchronized void send(String command, Consumer<String> onReply) {
      pending.add(onReply);
      try {
        commands.write(command + "\n");
        commands.flush();
      } catch (IOException e) {
        throw new IllegalStateException("gateway JVM gone", e);
      }
    }

    @Override
    public String routerUrl() {
      return "http://127.0.0.1:" + readyLine[0];
    }

    @Override
    public String gatewayUrl() {
      return "http://127.0.0.1:" + readyLine[1];
    }

    @Override
    public String describe() {
      return description;
    }

    @Override
    public void steadyStart() {
      send("start", reply -> {
      });
    }

    @Override
    public void steadyEnd(Consumer<Window> sink) {
      send("end", reply -> {
        String[] f = reply.split(" ");
        try {
          sink.accept(new Window(GatewayHostProcess.decode(f[1]), GatewayHostProcess.decode(f[2]),
              GatewayHostProcess.decode(f[3]), GatewayHostProcess.decode(f[4]), Long.parseLong(f[5]),
              Long.parseLong(f[6]), Long.parseLong(f[7]), Long.parseLong(f[8])));
        } catch (java.util.zip.DataFormatException | RuntimeException e) {
          System.out.println("[gateway-jvm] bad window reply: " + e);
        }
      });
    }

    @Override
    public synchronized void awaitWindows() throws InterruptedException {
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
      while (!pending.isEmpty()) {
        long left = deadline - System.nanoTime();
        if (left <= 0 || !child.isAlive()) {
          throw new IllegalStateException("the gateway JVM did not answer " + pending.size() + " command(s)");
        }
        TimeUnit.NANOSECONDS.timedWait(this, left);
      }
    }

    @Override
    public Map<String, Long> remoteCpu() throws Exception {
      CompletableFuture<Map<String, Long>> f = new CompletableFuture<>();
      send("cpu", reply -> {
        Map<String, Long> m = new HashMap<>();
        for (String e : reply.substring("cpu ".length()).split("\t")) {
          int eq = e.lastIndexOf('=');
          String key = e.substring(0, eq);
          // thread keys are "<id>/<name>" or "alloc:<id>/<name>": mark the id as the other JVM's
          String k = CpuMeter.PROCESS.equals(key) ? key
              : key.startsWith(CpuMeter.ALLOC) ? CpuMeter.ALLOC + CpuMeter.REMOTE + key.substring(
                  CpuMeter.ALLOC.length()) : CpuMeter.REMOTE + key;
          m.put(k, Long.parseLong(e.substring(eq + 1)));
        }
        f.complete(m);
      });
      return f.get(30, TimeUnit.SECONDS);
    }

    @Override
    public void close() throws Exception {
      try {
        send("quit", reply -> {
        });
      } catch (IllegalStateException alreadyGone) {
        // nothing to ask
      }
      if (!child.waitFor(20, TimeUnit.SECONDS)) {
        child.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
      }
      Runtime.getRuntime().removeShutdownHook(killer);
    }
  }
}

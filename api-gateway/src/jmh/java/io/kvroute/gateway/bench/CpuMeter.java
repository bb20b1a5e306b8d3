package io.kvroute.gateway.bench;

import io.vertx.core.Vertx;
import io.vertx.core.internal.VertxInternal;
import io.netty.util.concurrent.EventExecutor;
import java.lang.management.ManagementFactory;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * CPU time of this JVM split by component (benchmark support): threads are grouped by name, after
 * {@link #name(Vertx, String)} renamed each Vert.x instance's event loops to {@code <component>-eventloop-<i>}.
 * The process total also covers GC and JIT threads, which no component owns.
 */
final class CpuMeter {

  static final String PROCESS = "process";
  /** Prefix of the per-group keys that hold heap bytes allocated (not CPU nanoseconds). */
  static final String ALLOC = "alloc:";
  /**
   * Prefix of thread ids from the isolated gateway JVM ({@link GatewayUnderTest#remoteCpu()}); that JVM holds only
   * the gateway and the router, so its threads that no group claims by name (JeroMQ, timers) count as the router's.
   */
  static final String REMOTE = "R";
  /** Components, in report order; "agents+engines" is every thread no other group claims. */
  static final List<String> GROUPS = List.of("client", "gateway", "router", "agents+engines");

  private final com.sun.management.ThreadMXBean threads =
      (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
  private final com.sun.management.OperatingSystemMXBean os =
      (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();

  CpuMeter() {
    threads.setThreadCpuTimeEnabled(true);
    threads.setThreadAllocatedMemoryEnabled(true);
  }

  /** Renames the event-loop threads of {@code vertx} so their CPU is attributed to {@code component}. */
  static void name(Vertx vertx, String component) throws InterruptedException {
    int i = 0;
    java.util.concurrent.CountDownLatch done = new java.util.concurrent.CountDownLatch(count(vertx));
    for (EventExecutor e : ((VertxInternal) vertx).eventLoopGroup()) {
      String n = component + "-eventloop-" + i++;
      e.execute(() -> {
        Thread.currentThread().setName(n);
        done.countDown();
      });
    }
    done.await();
  }

  private static int count(Vertx vertx) {
    int n = 0;
    for (EventExecutor ignored : ((VertxInternal) vertx).eventLoopGroup()) {
      n++;
    }
    return n;
  }

  static String group(String thread) {
    if (thread.startsWith("client-")) {
      return "client";
    }
    if (thread.startsWith("gw-") || thread.startsWith("kvroute-tokenizer")) {
      return "gateway";
    }
    if (thread.startsWith("router-") || thread.startsWith("kvroute-index-owner") || thread.startsWith("kv-ingest")
        || thread.startsWith("metrics-ingest") || thread.startsWith("kvroute-delta")) {
      return "router";
    }
    return "agents+engines";
  }

  /** CPU nanoseconds per thread id (plus the process total under id -1) right now. */
  Map<String, Long> snapshot() {
    Map<String, Long> m = new HashMap<>();
    for (long id : threads.getAllThreadIds()) {
      long t = threads.getThreadCpuTime(id);
      var info = threads.getThreadInfo(id);
      if (t >= 0 && info != null) {
        m.put(id + "/" + info.getThreadName(), t);
        long a = threads.getThreadAllocatedBytes(id);
        if (a >= 0) {
          m.put(ALLOC + id + "/" + info.getThreadName(), a);
        }
      }
    }
    m.put(PROCESS, os.getProcessCpuTime());
    return m;
  }

  /**
   * Per-group CPU nanoseconds spent since {@code before} (threads started since count from 0), and under
   * {@code ALLOC + group} the heap bytes the group's threads allocated (TLAB-accurate; threads that ended in between
   * are not counted).
   */
  Map<String, Long> since(Map<String, Long> before) {
    return since(before, snapshot());
  }

  /** As {@link #since(Map)} between two given snapshots (which may include the isolated gateway JVM's entries). */
  static Map<String, Long> since(Map<String, Long> before, Map<String, Long> now) {
    Map<String, Long> out = new HashMap<>();
    for (var e : now.entrySet()) {
      long d = e.getValue() - before.getOrDefault(e.getKey(), 0L);
      String key = e.getKey();
      String thread = key.startsWith(ALLOC) ? key.substring(ALLOC.length()) : key;
      String g = PROCESS.equals(key) ? PROCESS : group(thread.substring(thread.indexOf('/') + 1));
      if (thread.startsWith(REMOTE) && g.equals("agents+engines")) {
        g = "router";
      }
      if (key.startsWith(ALLOC)) {
        g = ALLOC + g;
      }
      out.merge(g, Math.max(0, d), Long::sum);
    }
    return out;
  }

  /** Accumulated per-group CPU nanoseconds. */
  static final class Totals {
    private final Map<String, Long> sums = new HashMap<>();

    void addAll(Map<String, Long> d) {
      d.forEach((k, v) -> sums.merge(k, v, Long::sum));
    }

    long get(String group) {
      return sums.getOrDefault(group, 0L);
    }
  }
}

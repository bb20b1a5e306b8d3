package io.kvroute.router.core;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import org.openjdk.jmh.annotations.AuxCounters;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.infra.BenchmarkParams;
import org.openjdk.jmh.infra.IterationParams;
import org.openjdk.jmh.runner.IterationType;

/**
 * Per-core cost on a shared machine: the benchmark thread's own CPU time (not wall time, which other processes
 * inflate when they take the core away), read once per invocation. JMH sums these counters over the measurement
 * iterations ({@code cpuNanos}, {@code cpuOps}, {@code cpuUnits}: divide them); at the end of the trial one
 * {@code CPU-COST} line prints the ratios over the measurement iterations only. Each invocation must do enough
 * work (≥ ~10 µs) for the clock read (~0.2–0.5 µs) to be negligible.
 */
@State(Scope.Thread)
@AuxCounters(AuxCounters.Type.EVENTS)
public class CpuCounters {

  private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();

  public long cpuNanos;
  public long cpuOps;
  public long cpuUnits;

  private long start;
  private boolean measuring;
  private long totalNanos;
  private long totalOps;
  private long totalUnits;

  @Setup(Level.Iteration)
  public void reset(IterationParams iteration) {
    cpuNanos = 0;
    cpuOps = 0;
    cpuUnits = 0;
    measuring = iteration.getType() == IterationType.MEASUREMENT;
  }

  @TearDown(Level.Trial)
  public void report(BenchmarkParams params) {
    if (totalNanos > 0) {
      StringBuilder p = new StringBuilder();
      for (String k : params.getParamsKeys()) {
        p.append(' ').append(k).append('=').append(params.getParam(k));
      }
      System.out.printf("%nCPU-COST %s%s: %.1f cpu-ns/op, %.2f cpu-ns/unit, %.0f ops/cpu-s, %.0f units/cpu-s%n",
          params.getBenchmark().replaceAll(".*\\.(\\w+\\.\\w+)$", "$1"), p, (double) totalNanos / totalOps,
          totalUnits == 0 ? 0.0 : (double) totalNanos / totalUnits, totalOps * 1e9 / totalNanos,
          totalUnits * 1e9 / totalNanos);
    }
  }

  void begin() {
    start = THREADS.getCurrentThreadCpuTime();
  }

  void end(long opsDone, long unitsDone) {
    long n = THREADS.getCurrentThreadCpuTime() - start;
    cpuNanos += n;
    cpuOps += opsDone;
    cpuUnits += unitsDone;
    if (measuring) {
      totalNanos += n;
      totalOps += opsDone;
      totalUnits += unitsDone;
    }
  }
}

package io.kvroute.router.core;

import io.kvroute.common.event.KvEvent;
import io.kvroute.router.core.index.RadixIndex;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.AuxCounters;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Benchmark 5: retained heap per (block, worker) entry, measured (used heap after full GCs, before and after
 * building) and as the index's own estimate. {@code shared}: 1M blocks (8,192 chains of 128) each held by all 8
 * workers = 8M entries. {@code disjoint}: each of the 8 workers holds its own 1M blocks (8M nodes, the worst case).
 * The counters are the result; the time is just how long the build took.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 0)
@Measurement(iterations = 1)
@Fork(value = 1, jvmArgs = {"-Xmx3g", "-XX:+UseParallelGC"})
public class MemoryFootprintBenchmark {

  @Param({"shared", "disjoint"})
  String layout;

  /** Bytes per entry (reported as-is, not as a rate). */
  @State(Scope.Thread)
  @AuxCounters(AuxCounters.Type.EVENTS)
  public static class Footprint {
    public double measuredBytesPerEntry;
    public double approxBytesPerEntry;
    public double entriesMillions;
  }

  @Benchmark
  public long build(Footprint f) {
    MemoryMXBean mem = ManagementFactory.getMemoryMXBean();
    long before = usedAfterGc(mem);
    RadixIndex index = new RadixIndex();
    int workers = 8;
    int chains = 8192;
    int chain = 128;
    for (int c = 0; c < chains; c++) {
      for (int w = 0; w < workers; w++) {
        long key = layout.equals("shared") ? c : (long) c * workers + w;
        long[] locals = new long[chain];
        for (int i = 0; i < chain; i++) {
          locals[i] = BenchTrees.local(key, i);
        }
        index.apply(w, KvEvent.Stored.root(BenchTrees.engine(locals), locals));
      }
    }
    long after = usedAfterGc(mem);
    double entries = index.entries();
    f.measuredBytesPerEntry = (after - before) / entries;
    f.approxBytesPerEntry = index.approxBytes() / entries;
    f.entriesMillions = entries / 1e6;
    return index.nodes();
  }

  private static long usedAfterGc(MemoryMXBean mem) {
    for (int i = 0; i < 3; i++) {
      System.gc();
    }
    return mem.getHeapMemoryUsage().getUsed();
  }
}

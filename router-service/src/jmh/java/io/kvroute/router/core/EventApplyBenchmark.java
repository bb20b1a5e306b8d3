package io.kvroute.router.core;

import io.kvroute.common.event.KvEvent;
import io.kvroute.router.core.index.RadixIndex;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Benchmark 2: event apply throughput in blocks per second on one core, against a populated tree (8 workers,
 * ~200k blocks): each invocation stores a fresh 32-block chain under the shared prefix for one worker, and removes
 * the chain stored {@link #LAG} chains earlier (leaf first, as engines evict), so the tree stays at steady
 * size and every removal prunes. The score is block operations per second (wall); {@link CpuCounters} gives
 * block operations per CPU-second (units) and events per CPU-second (ops).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 2, time = 2)
@Measurement(iterations = 3, time = 2)
@Fork(value = 1, jvmArgs = {"-Xmx2g", "-XX:+UseParallelGC"})
public class EventApplyBenchmark {

  static final int CHAIN = 32;
  static final int LAG = 4096;

  RadixIndex index;
  long parent;
  KvEvent.Stored[] stores;
  KvEvent.Removed[] removes;
  long counter;

  @Setup(Level.Trial)
  public void setUp() {
    index = new RadixIndex();
    BenchTrees.build(index, 8, 200_000, 512, 64, 2, 7);
    parent = BenchTrees.engine(BenchTrees.local(-1, 63));
    // Pre-build a ring of events so the benchmark measures the index, not event construction.
    stores = new KvEvent.Stored[LAG * 4];
    removes = new KvEvent.Removed[LAG * 4];
    for (int c = 0; c < stores.length; c++) {
      long[] locals = new long[CHAIN];
      for (int i = 0; i < CHAIN; i++) {
        locals[i] = BenchTrees.local(1_000_000 + c, i);
      }
      long[] engine = BenchTrees.engine(locals);
      stores[c] = KvEvent.Stored.under(parent, engine, locals);
      long[] reversed = new long[CHAIN];
      for (int i = 0; i < CHAIN; i++) {
        reversed[i] = engine[CHAIN - 1 - i];
      }
      removes[c] = new KvEvent.Removed(reversed);
    }
    for (int c = 0; c < LAG; c++) {
      index.apply(c & 7, stores[c]);
    }
    counter = LAG;
  }

  static final int BATCH = 16;

  /** 16 chains stored and 16 evicted per invocation = 1,024 block operations. */
  @Benchmark
  @OperationsPerInvocation(2 * CHAIN * BATCH)
  public long storeAndEvict(CpuCounters cpu) {
    cpu.begin();
    for (int k = 0; k < BATCH; k++) {
      long c = counter++;
      int slot = (int) (c % stores.length);
      int old = (int) ((c - LAG) % stores.length);
      index.apply((int) (c & 7), stores[slot]);
      index.apply((int) ((c - LAG) & 7), removes[old]);
    }
    cpu.end(2L * BATCH, 2L * CHAIN * BATCH);
    return index.nodes();
  }
}

package io.kvroute.router.core;

import io.kvroute.router.core.index.MatchResult;
import io.kvroute.router.core.index.RadixIndex;
import java.util.Arrays;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Benchmark 1: prefix match over a tree of ~1M blocks (chains of 4,096 blocks behind a 64-block shared prefix, each
 * chain held by 4 workers to random depths), queries of 128 or 4,096 blocks that the best worker matches fully.
 * The score is wall time per query; {@link CpuCounters} gives CPU ns per query and per matched block.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 2, time = 2)
@Measurement(iterations = 3, time = 2)
@Fork(value = 1, jvmArgs = {"-Xmx3g", "-XX:+UseParallelGC"})
public class FindMatchesBenchmark {

  @Param({"8", "64", "512"})
  int workers;

  @Param({"128", "4096"})
  int queryBlocks;

  long[][] queries;
  RadixIndex index;
  final MatchResult result = new MatchResult();
  int next;

  @Setup(Level.Trial)
  public void setUp() {
    index = new RadixIndex();
    long[][] paths = BenchTrees.build(index, workers, 1_000_000, 4096, 64, 4, 42);
    queries = new long[paths.length][];
    for (int i = 0; i < paths.length; i++) {
      queries[i] = Arrays.copyOf(paths[i], queryBlocks);
    }
  }

  static final int BATCH = 64;

  /** 64 queries per invocation; cpu counters: CPU ns per query and per matched block (best worker's depth). */
  @Benchmark
  @OperationsPerInvocation(BATCH)
  public int findMatches(CpuCounters cpu) {
    return run(false, cpu);
  }

  @Benchmark
  @OperationsPerInvocation(BATCH)
  public int findMatchesEarlyExit(CpuCounters cpu) {
    return run(true, cpu);
  }

  private int run(boolean earlyExit, CpuCounters cpu) {
    int matched = 0;
    cpu.begin();
    for (int i = 0; i < BATCH; i++) {
      long[] q = queries[next++ % queries.length];
      index.match(q, q.length, earlyExit, result);
      matched += result.maxDepth();
    }
    cpu.end(BATCH, matched);
    return matched;
  }
}

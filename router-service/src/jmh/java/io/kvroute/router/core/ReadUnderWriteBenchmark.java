package io.kvroute.router.core;

import io.kvroute.common.event.KvEvent;
import io.kvroute.common.event.KvEventBatch;
import io.kvroute.router.core.index.RadixIndex;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Group;
import org.openjdk.jmh.annotations.GroupThreads;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Query latency through the facade while events stream in (DESIGN §11): one JMH thread feeds batches of 8
 * stored+removed 64-block chains for 8 workers (waiting for the owner thread every 16 batches, so the queue stays
 * bounded), the other asks {@code findMatches} for 512-block prefixes of the populated tree. Compare
 * {@code idle} (no writer) with {@code mixed}, and run with {@code -jvmArgsAppend -Dkvroute.core.optimisticReads=0}
 * to compare optimistic reads with plain read locks.
 */
@State(Scope.Group)
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 2, time = 2)
@Measurement(iterations = 3, time = 3)
@Fork(value = 1, jvmArgs = {"-Xmx2g", "-XX:+UseParallelGC"})
public class ReadUnderWriteBenchmark {

  RouterCore core;
  long[][] queries;
  KvEventBatch[] stores;
  KvEventBatch[] removes;
  int nextQuery;
  long nextBatch;

  @Setup(Level.Trial)
  public void setUp() {
    core = RouterCore.create(RouterCoreConfig.defaults(32), Clock.systemUTC());
    // The same tree shape as FindMatchesBenchmark, smaller (~200k blocks), fed through the facade.
    RadixIndex shape = new RadixIndex();
    long[][] paths = BenchTrees.build(shape, 8, 200_000, 1024, 64, 4, 9);
    shape.dump(true).forEach((t, events) -> core.submit("worker-" + t, new KvEventBatch(0, events, 0)));
    queries = new long[paths.length][];
    for (int i = 0; i < paths.length; i++) {
      queries[i] = Arrays.copyOf(paths[i], 512);
    }
    long parent = BenchTrees.engine(BenchTrees.local(-1, 63));
    stores = new KvEventBatch[256];
    removes = new KvEventBatch[256];
    for (int b = 0; b < stores.length; b++) {
      List<KvEvent> st = new ArrayList<>();
      List<KvEvent> rm = new ArrayList<>();
      for (int c = 0; c < 8; c++) {
        long[] locals = new long[64];
        for (int i = 0; i < locals.length; i++) {
          locals[i] = BenchTrees.local(5_000_000L + b * 8L + c, i);
        }
        long[] engine = BenchTrees.engine(locals);
        st.add(KvEvent.Stored.under(parent, engine, locals));
        rm.add(new KvEvent.Removed(engine));
      }
      stores[b] = new KvEventBatch(0, st, 0);
      removes[b] = new KvEventBatch(0, rm, 0);
    }
    core.barrier().join();
  }

  @TearDown(Level.Trial)
  public void tearDown() {
    core.close();
  }

  private OverlapScores query() {
    long[] q = queries[nextQuery++ % queries.length];
    return core.findMatches(q);
  }

  @Benchmark
  @Group("idle")
  @GroupThreads(1)
  public OverlapScores idleReader() {
    return query();
  }

  @Benchmark
  @Group("mixed")
  @GroupThreads(1)
  public OverlapScores reader() {
    return query();
  }

  @Benchmark
  @Group("mixed")
  @GroupThreads(1)
  public void writer() {
    long b = nextBatch++;
    String worker = "worker-" + (b & 7);
    core.submit(worker, stores[(int) (b & 255)]);
    core.submit(worker, removes[(int) (b & 255)]);
    if ((b & 15) == 15) {
      core.barrier().join();
    }
  }
}

package io.kvroute.router.core;

import io.kvroute.common.event.KvEvent;
import io.kvroute.common.event.KvEventBatch;
import io.kvroute.common.hash.BlockHasher;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.time.Clock;
import org.HdrHistogram.Histogram;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.IterationParams;
import org.openjdk.jmh.runner.IterationType;

/**
 * Benchmark 3: one whole routing decision through the public facade: hash the prompt's tokens (block size 32),
 * walk the index, compute every candidate's load and kv cost (64 workers), choose, book, and release again.
 * Each of 16 prompts shares a 2k-token system prompt and a per-prompt document that a few workers cached (to
 * varying depths); every worker carries some active load. SampleTime gives the wall-clock p99 (which includes
 * time other processes on a shared machine take the core away); a {@code CPU-COST} line gives the decision's own
 * CPU-time percentiles (the two CPU clock reads, ~0.5 µs, are included in the wall figures).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 2, time = 2)
@Measurement(iterations = 3, time = 3)
@Fork(value = 1, jvmArgs = {"-Xmx2g", "-XX:+UseParallelGC"})
public class DecisionBenchmark {

  static final int BS = 32;
  private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();
  static final int WORKERS = 64;

  @Param({"4096", "32768", "131072"})
  int tokens;

  RouterCore core;
  BlockHasher hasher;
  List<Candidate> candidates;
  int[][] prompts;
  int next;

  @Setup(Level.Trial)
  public void setUp() {
    core = RouterCore.create(RouterCoreConfig.defaults(BS), Clock.systemUTC());
    hasher = BlockHasher.create(BS);
    candidates = new ArrayList<>();
    for (int w = 0; w < WORKERS; w++) {
      candidates.add(new Candidate(new Target("worker-" + w, 0)));
    }
    SplittableRandom rnd = new SplittableRandom(1);
    int[] system = new int[2048];
    for (int i = 0; i < system.length; i++) {
      system[i] = rnd.nextInt(150_000);
    }
    prompts = new int[16][];
    for (int p = 0; p < prompts.length; p++) {
      int[] t = new int[tokens];
      System.arraycopy(system, 0, t, 0, Math.min(system.length, tokens));
      for (int i = system.length; i < tokens; i++) {
        t[i] = rnd.nextInt(150_000);
      }
      prompts[p] = t;
      long[] locals = hasher.localHashes(t);
      long[] engine = BlockHasher.sequenceHashes(locals);
      for (int h = 0; h < 4; h++) {
        int w = rnd.nextInt(WORKERS);
        int len = 1 + rnd.nextInt(locals.length);
        core.submit("worker-" + w, new KvEventBatch(0, List.of(KvEvent.Stored.root(
            java.util.Arrays.copyOf(engine, len), java.util.Arrays.copyOf(locals, len))), 0));
      }
    }
    for (int w = 0; w < WORKERS; w++) {
      long[] locals = hasher.localHashes(system);
      core.submit("worker-" + w, new KvEventBatch(0, List.of(KvEvent.Stored.root(
          BlockHasher.sequenceHashes(locals), locals)), 0));
      // Background load: a few in-flight requests per worker.
      for (int r = 0; r < 4; r++) {
        long[] seq = new long[64];
        for (int i = 0; i < seq.length; i++) {
          seq[i] = rnd.nextLong();
        }
        core.book("bg-" + w + "-" + r, candidates.get(w).target(), seq, 2048, 0);
      }
    }
    core.barrier().join();
  }

  @TearDown(Level.Trial)
  public void tearDown() {
    core.close();
  }

  /** CPU time of each decision (excludes time the OS gave the core to other processes), measurement only. */
  final Histogram cpuNanos = new Histogram(3);
  boolean measuring;

  @Setup(Level.Iteration)
  public void iteration(IterationParams params) {
    measuring = params.getType() == IterationType.MEASUREMENT;
  }

  @TearDown(Level.Trial)
  public void reportCpu() {
    System.out.printf("%nCPU-COST DecisionBenchmark.decide tokens=%d: cpu-time p50 %.2f us, p99 %.2f us, p99.9 %.2f us"
        + " (%d decisions)%n", tokens, cpuNanos.getValueAtPercentile(50) / 1e3,
        cpuNanos.getValueAtPercentile(99) / 1e3, cpuNanos.getValueAtPercentile(99.9) / 1e3,
        cpuNanos.getTotalCount());
  }

  @Benchmark
  public Target decide() {
    long start = THREADS.getCurrentThreadCpuTime();
    int[] prompt = prompts[next++ & 15];
    long[] locals = hasher.localHashes(prompt);
    RouteDecision d = core.route(new RouteQuery("bench", locals, prompt.length, 256, null), candidates);
    core.release("bench");
    if (measuring) {
      cpuNanos.recordValue(THREADS.getCurrentThreadCpuTime() - start);
    }
    return d.target();
  }
}

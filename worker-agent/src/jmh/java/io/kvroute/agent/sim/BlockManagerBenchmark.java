package io.kvroute.agent.sim;

import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * The simulated engine's block manager on a 3000-token prompt (the reference perf ISL) + 100 output tokens, block
 * size 32: a warm request (prefix fully cached) and a cold one (every block new, evicting LRU blocks).
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
public class BlockManagerBenchmark {

  private static final int ISL = 3000;
  private static final int OSL = 100;

  private BlockManager warm;
  private BlockManager cold;
  private int[] prompt;
  private int[] scratch;
  private int coldSalt;

  @Setup
  public void setup() {
    BlockManager.Sink sink = new BlockManager.Sink() {
      @Override
      public void stored(Long parentHash, long[] blockHashes, int[][] tokens) {
      }

      @Override
      public void removed(long[] blockHashes) {
      }
    };
    warm = new BlockManager(16384, 32, sink);
    cold = new BlockManager(1024, 32, sink);
    prompt = new int[ISL + OSL];
    for (int i = 0; i < prompt.length; i++) {
      prompt[i] = 100 + i;
    }
    scratch = prompt.clone();
    run(warm, prompt);
  }

  private static int run(BlockManager bm, int[] tokens) {
    BlockManager.Holding h = bm.admit(tokens, ISL, ISL + OSL);
    bm.ensureCapacity(h, ISL + OSL);
    bm.store(h, tokens, ISL, false);
    bm.store(h, tokens, ISL + OSL, true);
    bm.release(h);
    bm.flushRemoved();
    return h.matchedTokens;
  }

  @Benchmark
  public int warmRequest() {
    return run(warm, prompt);
  }

  @Benchmark
  public int coldRequest() {
    scratch[0] = ++coldSalt;
    return run(cold, scratch);
  }
}

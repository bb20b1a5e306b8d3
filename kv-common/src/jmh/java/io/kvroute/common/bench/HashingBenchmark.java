package io.kvroute.common.bench;

import io.kvroute.common.hash.BlockHasher;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.AuxCounters;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * Block hashing of one long prompt on one thread: µs per prompt; GB/s of token bytes = tokens * 4 / time.
 * {@code localHashes} allocates the result array, {@code localHashesInto} reuses one. {@code tokenBytesPerSecond}
 * is {@code localHashesInto} in throughput mode with an aux counter of token bytes hashed, so JMH prints the
 * byte rate itself ({@code tokenBytesPerSecond:tokenBytes}, bytes/s).
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
public class HashingBenchmark {

  @Param({"131072"})
  public int tokens;

  @Param({"32"})
  public int blockSize;

  private int[] prompt;
  private BlockHasher hasher;
  private long[] out;
  private long[] locals;

  @Setup
  public void setup() {
    Random random = new Random(42);
    prompt = new int[tokens];
    for (int i = 0; i < tokens; i++) {
      prompt[i] = random.nextInt(151_643);
    }
    hasher = BlockHasher.create(blockSize);
    out = new long[tokens / blockSize];
    locals = hasher.localHashes(prompt);
  }

  @Benchmark
  public long[] localHashes() {
    return hasher.localHashes(prompt);
  }

  @Benchmark
  public long[] localHashesInto() {
    hasher.localHashes(prompt, prompt.length, out);
    return out;
  }

  /** Counts the token bytes hashed (tokens × 4, u32 LE); JMH reports the count per second. */
  @State(Scope.Thread)
  @AuxCounters(AuxCounters.Type.OPERATIONS)
  public static class Bytes {
    public long tokenBytes;

    @Setup(Level.Iteration)
    public void reset() {
      tokenBytes = 0;
    }
  }

  @Benchmark
  @BenchmarkMode(Mode.Throughput)
  @OutputTimeUnit(TimeUnit.SECONDS)
  public long[] tokenBytesPerSecond(Bytes bytes) {
    hasher.localHashes(prompt, prompt.length, out);
    bytes.tokenBytes += (long) prompt.length * 4;
    return out;
  }

  @Benchmark
  public long[] sequenceHashes() {
    return BlockHasher.sequenceHashes(locals);
  }
}

package io.kvroute.router.cluster;

import io.kvroute.router.core.RouterCore;
import io.kvroute.router.core.RouterCoreConfig;
import io.kvroute.router.core.Target;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Clock;
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

/**
 * Replica load sync costs, per batch of 256 bookings (the publisher's largest batch) of prompts with
 * {@code blocks} full blocks (64 = 2k tokens at block size 32) over 16 workers: encoding a batch (publisher
 * thread), decoding it, and applying it to a core (receiver: decode, sequence hashes, book) followed by the 256
 * matching releases so the core's state stays bounded. Divide by 256 for the per-delta cost.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 2, time = 2)
@Measurement(iterations = 3, time = 3)
@Fork(value = 1, jvmArgs = {"-Xmx1g", "-XX:+UseParallelGC"})
public class DeltaSyncBenchmark {

  @Param({"64"})
  int blocks;

  byte[] bookings;
  byte[] releases;
  DeltaBatch batch;
  RouterCore core;
  LoadDeltaApplier applier;

  @Setup(Level.Trial)
  public void setUp() {
    SplittableRandom r = new SplittableRandom(7);
    List<LoadDelta> booked = new ArrayList<>();
    List<LoadDelta> released = new ArrayList<>();
    long[] shared = r.longs(blocks / 2).toArray();
    for (int i = 0; i < 256; i++) {
      long[] h = new long[blocks];
      System.arraycopy(shared, 0, h, 0, shared.length);
      for (int j = shared.length; j < blocks; j++) {
        h[j] = r.nextLong();
      }
      booked.add(LoadDelta.booked("cmpl-" + Long.toHexString(r.nextLong()), "worker-" + (i % 16), 0, blocks * 32,
          r.nextInt(blocks), h));
      released.add(LoadDelta.released(booked.get(i).requestId()));
    }
    batch = new DeltaBatch("replica-a", System.currentTimeMillis(), booked);
    bookings = DeltaBatchCodec.encode(batch);
    releases = DeltaBatchCodec.encode(new DeltaBatch("replica-a", System.currentTimeMillis(), released));
    core = RouterCore.create(RouterCoreConfig.defaults(32), Clock.systemUTC());
    applier = new LoadDeltaApplier("replica-b", core, new ClusterMetrics(new SimpleMeterRegistry()),
        System::currentTimeMillis);
    for (int w = 0; w < 16; w++) {
      core.book("warm-" + w, new Target("worker-" + w, 0), new long[] {w}, 32, 0);
    }
  }

  @TearDown(Level.Trial)
  public void tearDown() {
    core.close();
  }

  @Benchmark
  public byte[] encode256() {
    return DeltaBatchCodec.encode(batch);
  }

  @Benchmark
  public DeltaBatch decode256() throws Exception {
    return DeltaBatchCodec.decode(bookings);
  }

  @Benchmark
  public int applyAndRelease256() {
    applier.onBatch(bookings);
    applier.onBatch(releases);
    return core.loads().size();
  }
}

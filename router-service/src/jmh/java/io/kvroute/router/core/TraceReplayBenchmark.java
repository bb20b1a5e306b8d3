package io.kvroute.router.core;

import io.kvroute.common.event.KvEvent;
import io.kvroute.common.hash.BlockHasher;
import io.kvroute.router.core.index.MatchResult;
import io.kvroute.router.core.index.RadixIndex;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.AuxCounters;
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
import org.openjdk.jmh.annotations.Warmup;

/**
 * Benchmark 4: the Mooncake conversation trace (each {@code hash_id} = one block) driven through a per-worker LRU
 * cache model of N workers × 16,384 blocks. Setup routes every request once (to the worker with the least
 * {@code new blocks + decayed recent load}), lets that worker's LRU cache it (evicting least recently used blocks,
 * leaves before parents, as engines do) and records the resulting mixed stream: one query per request, then the
 * removed event of its evictions and the stored event of its new blocks. The benchmark replays that stream into a
 * fresh index on one thread; ops = events + queries (the Flash Indexer's unit), reported per second of wall time
 * ({@code Counts}) and per CPU-second ({@link CpuCounters}: ops = events + queries, units = blocks).
 *
 * <p>The trace is read from {@code -p trace=PATH}; the default {@code ../shared/traces/...} is relative to the
 * repository root (the run's working directory).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 2, time = 3)
@Measurement(iterations = 3, time = 3)
@Fork(value = 1, jvmArgs = {"-Xmx2g", "-XX:+UseParallelGC"})
public class TraceReplayBenchmark {

  static final int CACHE_BLOCKS = 16_384;

  @Param({"../shared/traces/mooncake_conversation_trace.jsonl"})
  String trace;

  @Param({"8", "64"})
  int workers;

  /**
   * Capacity hint per worker, as the router gets it from the agents' {@code kv_total_blocks} (0 = none): presizes
   * each worker's engine-hash table, so filling it never rehashes, at the price of allocating it whole up front.
   */
  @Param({"0", "16384"})
  int capacityHint;

  /**
   * How evictions are reported: {@code batched} = one removed event per request with all its evicted blocks;
   * {@code perBlock} = one removed event per evicted block, as vLLM's prefix cache and Dynamo's mocker (the event
   * source of its mooncake_bench) publish them, so ops are counted the way that benchmark counts them.
   */
  @Param({"batched"})
  String removals;

  /** One op of the stream: a query (event == null) or an event of a target. */
  record Op(int target, KvEvent event, long[] query) {
  }

  Op[] ops;
  long events;
  long queries;
  long blocks;
  final MatchResult result = new MatchResult();

  /** Per-invocation counts, reported by JMH as rates. */
  @State(Scope.Thread)
  @AuxCounters(AuxCounters.Type.OPERATIONS)
  public static class Counts {
    public long ops;
    public long eventOps;
    public long queryOps;
    public long blockOps;
  }

  @Setup(Level.Trial)
  public void setUp() throws IOException {
    List<long[]> requests = read(resolve(trace));
    RadixIndex routing = new RadixIndex();
    List<LinkedHashMap<Long, Boolean>> lru = new ArrayList<>();
    double[] load = new double[workers];
    for (int w = 0; w < workers; w++) {
      lru.add(new LinkedHashMap<>(CACHE_BLOCKS * 2, 0.75f, true));
    }
    List<Op> out = new ArrayList<>();
    MatchResult m = new MatchResult();
    for (long[] locals : requests) {
      long[] engine = BlockHasher.sequenceHashes(locals);
      out.add(new Op(-1, null, locals));
      queries++;
      routing.match(locals, locals.length, false, m);
      int best = 0;
      double bestCost = Double.MAX_VALUE;
      for (int w = 0; w < workers; w++) {
        double cost = locals.length - m.depth(w) + load[w];
        if (cost < bestCost) {
          bestCost = cost;
          best = w;
        }
        load[w] *= 0.97;
      }
      LinkedHashMap<Long, Boolean> cache = lru.get(best);
      int cached = 0;
      while (cached < engine.length && cache.containsKey(engine[cached])) {
        cached++;
      }
      load[best] += engine.length - cached;
      for (int i = cached; i < engine.length; i++) {
        cache.put(engine[i], Boolean.TRUE);
      }
      for (int i = engine.length - 1; i >= 0; i--) {
        cache.get(engine[i]);
      }
      List<Long> evicted = new ArrayList<>();
      Iterator<Long> it = cache.keySet().iterator();
      while (cache.size() - evicted.size() > CACHE_BLOCKS && it.hasNext()) {
        evicted.add(it.next());
      }
      for (Long e : evicted) {
        cache.remove(e);
      }
      if (!evicted.isEmpty()) {
        long[] gone = evicted.stream().mapToLong(Long::longValue).toArray();
        List<long[]> parts = new ArrayList<>();
        if ("perBlock".equals(removals)) {
          for (long g : gone) {
            parts.add(new long[] {g});
          }
        } else if ("batched".equals(removals)) {
          parts.add(gone);
        } else {
          throw new IllegalArgumentException("removals must be batched or perBlock: " + removals);
        }
        for (long[] part : parts) {
          KvEvent.Removed r = new KvEvent.Removed(part);
          out.add(new Op(best, r, null));
          routing.apply(best, r);
          events++;
        }
        blocks += evicted.size();
      }
      if (cached < engine.length) {
        long[] b = Arrays.copyOfRange(engine, cached, engine.length);
        long[] l = Arrays.copyOfRange(locals, cached, locals.length);
        KvEvent.Stored s = cached == 0 ? KvEvent.Stored.root(b, l) : KvEvent.Stored.under(engine[cached - 1], b, l);
        out.add(new Op(best, s, null));
        routing.apply(best, s);
        events++;
        blocks += b.length;
      }
      blocks += locals.length;
    }
    ops = out.toArray(new Op[0]);
  }

  static Path resolve(String trace) {
    Path p = Path.of(trace);
    if (Files.exists(p)) {
      return p;
    }
    Path alt = Path.of("..").resolve(trace); // a git worktree one level deeper than the main checkout
    if (Files.exists(alt)) {
      return alt;
    }
    throw new IllegalStateException("trace not found: " + p.toAbsolutePath() + " (pass -p trace=PATH)");
  }

  /** Reads the {@code hash_ids} array of every JSONL line (no JSON library needed for this one field). */
  static List<long[]> read(Path path) {
    try {
      List<long[]> out = new ArrayList<>();
      for (String line : Files.readAllLines(path)) {
        int k = line.indexOf("\"hash_ids\"");
        if (k < 0) {
          continue;
        }
        int open = line.indexOf('[', k);
        int close = line.indexOf(']', open);
        String body = line.substring(open + 1, close).trim();
        if (body.isEmpty()) {
          continue;
        }
        String[] parts = body.split(",");
        long[] ids = new long[parts.length];
        for (int i = 0; i < parts.length; i++) {
          // Spread the small trace ids over 64 bits like real local hashes.
          ids[i] = BenchTrees.local(0, Long.parseLong(parts[i].trim()));
        }
        out.add(ids);
      }
      return out;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @Benchmark
  public long replay(Counts counts, CpuCounters cpu) {
    cpu.begin();
    RadixIndex index = new RadixIndex();
    if (capacityHint > 0) {
      for (int t = 0; t < workers; t++) {
        index.expectBlocks(t, capacityHint);
      }
    }
    for (Op op : ops) {
      if (op.event() == null) {
        index.match(op.query(), op.query().length, false, result);
      } else {
        index.apply(op.target(), op.event());
      }
    }
    cpu.end(ops.length, blocks);
    counts.ops += ops.length;
    counts.eventOps += events;
    counts.queryOps += queries;
    counts.blockOps += blocks;
    return index.nodes();
  }
}

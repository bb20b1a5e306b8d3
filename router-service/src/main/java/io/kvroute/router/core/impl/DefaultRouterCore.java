package io.kvroute.router.core.impl;

import io.kvroute.common.event.KvEvent;
import io.kvroute.common.event.KvEventBatch;
import io.kvroute.common.hash.BlockHasher;
import io.kvroute.router.core.Candidate;
import io.kvroute.router.core.CandidateScore;
import io.kvroute.router.core.IndexStats;
import io.kvroute.router.core.LoadView;
import io.kvroute.router.core.OverlapScores;
import io.kvroute.router.core.RouteDecision;
import io.kvroute.router.core.RouteQuery;
import io.kvroute.router.core.RouterCore;
import io.kvroute.router.core.RouterCoreConfig;
import io.kvroute.router.core.Target;
import io.kvroute.router.core.WorkerMetrics;
import io.kvroute.router.core.index.MatchResult;
import io.kvroute.router.core.index.RadixIndex;
import io.kvroute.router.core.index.TargetRegistry;
import io.kvroute.router.core.load.ActiveLoads;
import io.kvroute.router.core.policy.Policies;
import io.kvroute.router.core.policy.Policy;
import io.kvroute.router.core.policy.SeedPolicy;
import io.kvroute.router.core.policy.Snapshot;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.ReentrantLock;
import java.util.concurrent.locks.StampedLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@link RouterCore} implementation.
 *
 * <p>Index: one owner thread drains a FIFO of write commands and applies them to a {@link RadixIndex}. It holds a
 * {@link StampedLock} write lock only for {@link #WRITE_CHUNK} blocks at a time. Readers first walk the tree under
 * an optimistic stamp (no shared-memory write at all) and retry if a write chunk intervened; after
 * {@link #OPTIMISTIC_ATTEMPTS} failures they take the read lock, and the owner lets waiting readers in between
 * chunks, so a query waits for at most one bounded chunk, never for a whole batch.
 *
 * <p>Load and decisions: {@link ActiveLoads}, the policy scratch and the engine metrics are guarded by one lock,
 * held from reading the candidates' loads to booking the winner, so concurrent decisions see each other's
 * bookings. The expensive parts (index walk, sequence hashing) run before, outside that lock.
 */
public final class DefaultRouterCore implements RouterCore {

  /** Blocks applied per write-lock hold. */
  static final int WRITE_CHUNK = 64;
  /**
   * Optimistic attempts before taking the read lock; {@code -Dkvroute.core.optimisticReads=0} makes every read
   * take the read lock (for comparing the two in benchmarks).
   */
  static final int OPTIMISTIC_ATTEMPTS = Integer.getInteger("kvroute.core.optimisticReads", 3);
  private static final int DRAIN_MAX = 256;
  /** Read-lock tries a waiting reader spins through before it parks (a write chunk lasts a few microseconds). */
  static final int READ_SPINS = 20_000;
  private static final Logger LOG = LoggerFactory.getLogger(DefaultRouterCore.class);

  private final RouterCoreConfig config;
  private final Clock clock;
  private final TargetRegistry registry = new TargetRegistry();
  private final RadixIndex index = new RadixIndex();
  private final StampedLock lock = new StampedLock();
  private final AtomicInteger waitingReaders = new AtomicInteger();
  private final LinkedBlockingQueue<Command> queue = new LinkedBlockingQueue<>();
  private final Thread owner;
  private volatile boolean running = true;
  private final OwnerGate gate = new OwnerGate();

  private final ReentrantLock decisionLock = new ReentrantLock();
  private final ActiveLoads loads = new ActiveLoads();
  private final Policies policies;
  private final SplittableRandom random;
  private final Map<String, EngineState> engines = new HashMap<>();
  /** Owner thread only: latest kv_total_blocks per worker, for ranks first seen after the report. */
  private final Map<String, Long> capacities = new HashMap<>();
  private final Snapshot snapshot = new Snapshot();
  private final MatchResult activePrefix = new MatchResult();
  private long[] prefixScratch = new long[1];
  private double[] costs = new double[16];
  private final ThreadLocal<ReadScratch> scratch = ThreadLocal.withInitial(ReadScratch::new);

  private sealed interface Command {
  }

  private record Events(String workerId, KvEventBatch batch) implements Command {
  }

  private record Reset(String workerId, int dpRank) implements Command {
  }

  private record ResetAll(String workerId) implements Command {
  }

  private record RemoveWorker(String workerId) implements Command {
  }

  private record Barrier(CompletableFuture<Void> done) implements Command {
  }

  /** The worker's engine reported {@code kv_total_blocks}: presize its targets' engine-hash tables. */
  private record Capacity(String workerId, long blocks) implements Command {
  }

  private record Dump(CompletableFuture<Map<Target, List<KvEvent.Stored>>> done) implements Command {
  }

  private record DumpEvents(CompletableFuture<Map<Target, List<KvEvent>>> done) implements Command {
  }

  private record Stop() implements Command {
  }

  /** Latest metrics of one worker and the seed policy's local waiting bump since then. */
  private static final class EngineState {
    WorkerMetrics metrics = WorkerMetrics.EMPTY;
    int bump;
  }

  /** Per-thread buffers of the read path. */
  private static final class ReadScratch {
    final MatchResult match = new MatchResult();
    int[] targets = new int[16];
    long[] sizes = new long[16];

    void ensure(int n) {
      if (targets.length < n) {
        targets = new int[Math.max(n, targets.length * 2)];
        sizes = new long[targets.length];
      }
    }
  }

  public DefaultRouterCore(RouterCoreConfig config, Clock clock) {
    if (config.blockSize() <= 0) {
      throw new IllegalArgumentException("block size must be positive: " + config.blockSize());
    }
    this.config = config;
    this.clock = clock;
    this.policies = new Policies(config);
    policies.get(config.policy(), "kv");
    this.random = new SplittableRandom(config.seed());
    this.owner = new Thread(this::runOwner, "kvroute-index-owner");
    owner.setDaemon(true);
    owner.start();
  }

  // ------------------------------------------------------------------ writes

  @Override
  public void submit(String workerId, KvEventBatch batch) {
    enqueue(new Events(workerId, batch));
  }

  @Override
  public void submitReset(String workerId, int dpRank) {
    enqueue(new Reset(workerId, dpRank));
  }

  @Override
  public void submitResetAll(String workerId) {
    enqueue(new ResetAll(workerId));
  }

  @Override
  public void submitRemoveWorker(String workerId) {
    enqueue(new RemoveWorker(workerId));
  }

  @Override
  public int pendingWrites() {
    return queue.size();
  }

  @Override
  public CompletableFuture<Void> barrier() {
    CompletableFuture<Void> f = new CompletableFuture<>();
    enqueue(new Barrier(f));
    return f;
  }

  @Override
  public CompletableFuture<Map<Target, List<KvEvent.Stored>>> dump() {
    CompletableFuture<Map<Target, List<KvEvent.Stored>>> f = new CompletableFuture<>();
    enqueue(new Dump(f));
    return f;
  }

  @Override
  public CompletableFuture<Map<Target, List<KvEvent>>> dumpEvents() {
    CompletableFuture<Map<Target, List<KvEvent>>> f = new CompletableFuture<>();
    enqueue(new DumpEvents(f));
    return f;
  }

  private void enqueue(Command c) {
    if (!running) {
      throw new IllegalStateException("router core is closed");
    }
    queue.add(c);
  }

  private void runOwner() {
    List<Command> batch = new ArrayList<>(DRAIN_MAX);
    while (running) {
      try {
        Command first = queue.poll(100, TimeUnit.MILLISECONDS);
        if (first == null) {
          continue;
        }
        batch.add(first);
        queue.drainTo(batch, DRAIN_MAX - 1);
        for (Command c : batch) {
          execute(c);
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        break;
      } finally {
        gate.close();
        batch.clear();
      }
    }
    gate.close();
    for (Command c; (c = queue.poll()) != null; ) {
      if (c instanceof Barrier b) {
        b.done().completeExceptionally(new IllegalStateException("router core is closed"));
      } else if (c instanceof Dump d) {
        d.done().completeExceptionally(new IllegalStateException("router core is closed"));
      } else if (c instanceof DumpEvents d) {
        d.done().completeExceptionally(new IllegalStateException("router core is closed"));
      }
    }
  }

  private void execute(Command c) {
    try {
      if (c instanceof Events e) {
        gate.open();
        int target = registry.indexOf(new Target(e.workerId(), e.batch().dpRank()));
        if (index.capacityHint(target) == 0) {
          Long blocks = capacities.get(e.workerId());
          if (blocks != null) {
            index.expectBlocks(target, blocks);
          }
        }
        for (KvEvent ev : e.batch().events()) {
          index.apply(target, ev, gate);
        }
      } else if (c instanceof Reset r) {
        gate.open();
        int t = registry.find(new Target(r.workerId(), r.dpRank()));
        if (t >= 0) {
          index.clear(t, gate);
        }
      } else if (c instanceof ResetAll r) {
        gate.open();
        for (int t : registry.indicesOf(r.workerId())) {
          index.clear(t, gate);
        }
      } else if (c instanceof RemoveWorker r) {
        gate.open();
        int[] targets = registry.indicesOf(r.workerId());
        for (int t : targets) {
          index.removeTarget(t, gate);
        }
        gate.close();
        decisionLock.lock();
        try {
          loads.removeTargets(targets);
          engines.remove(r.workerId());
        } finally {
          decisionLock.unlock();
        }
        capacities.remove(r.workerId());
      } else if (c instanceof Capacity cap) {
        // Readers never look into the engine-hash tables (only at their size), so no write lock is needed.
        capacities.put(cap.workerId(), cap.blocks());
        for (int t : registry.indicesOf(cap.workerId())) {
          index.expectBlocks(t, cap.blocks());
        }
      } else if (c instanceof Barrier b) {
        gate.close();
        b.done().complete(null);
      } else if (c instanceof Dump d) {
        gate.close();
        d.done().complete(dumpNow());
      } else if (c instanceof DumpEvents d) {
        gate.close();
        Map<Target, List<KvEvent>> out = new LinkedHashMap<>();
        index.dump(true).forEach((t, events) -> out.put(registry.target(t), events));
        d.done().complete(out);
      } else if (c instanceof Stop) {
        running = false;
      }
    } catch (RuntimeException ex) {
      LOG.warn("event=index_command_failed command={} error=\"{}\"", c.getClass().getSimpleName(), ex.toString());
    }
  }

  private Map<Target, List<KvEvent.Stored>> dumpNow() {
    Map<Target, List<KvEvent.Stored>> out = new LinkedHashMap<>();
    index.dump(false).forEach((t, events) -> {
      List<KvEvent.Stored> stored = new ArrayList<>(events.size());
      for (KvEvent e : events) {
        if (e instanceof KvEvent.Stored s) {
          stored.add(s);
        }
      }
      out.put(registry.target(t), stored);
    });
    return out;
  }

  /** Holds the write lock for at most {@link #WRITE_CHUNK} blocks, letting waiting readers in between chunks. */
  private final class OwnerGate implements RadixIndex.WriteGate {
    private long stamp;
    private int ops;

    void open() {
      if (stamp == 0) {
        stamp = lock.writeLock();
        ops = 0;
      }
    }

    void close() {
      if (stamp != 0) {
        lock.unlockWrite(stamp);
        stamp = 0;
      }
    }

    @Override
    public void tick() {
      if (++ops >= WRITE_CHUNK) {
        lock.unlockWrite(stamp);
        stamp = 0;
        int spins = 0;
        while (waitingReaders.get() > 0 && spins++ < 10_000) {
          Thread.onSpinWait();
        }
        stamp = lock.writeLock();
        ops = 0;
      }
    }
  }

  // ------------------------------------------------------------------ index reads

  /**
   * Walks the index for {@code hashes} into {@code s.match} and reads the tree sizes of {@code s.targets[0..n)}
   * into {@code s.sizes}, all from one consistent state.
   */
  private void readIndex(long[] hashes, boolean earlyExit, ReadScratch s, int n) {
    for (int attempt = 0; attempt < OPTIMISTIC_ATTEMPTS; attempt++) {
      long stamp = lock.tryOptimisticRead();
      if (stamp == 0) {
        break; // the owner is inside a write chunk: announce ourselves, it lets us in at the chunk's end
      }
      RuntimeException torn = null;
      try {
        readUnlocked(hashes, earlyExit, s, n);
      } catch (RuntimeException e) {
        torn = e;
      }
      if (lock.validate(stamp)) {
        if (torn != null) {
          throw torn;
        }
        return;
      }
    }
    long stamp = awaitReadLock();
    try {
      readUnlocked(hashes, earlyExit, s, n);
    } finally {
      lock.unlockRead(stamp);
    }
  }

  /**
   * The read lock, taken between two write chunks: announced readers make the owner pause after its current chunk
   * (at most {@link #WRITE_CHUNK} blocks, a few microseconds), so the reader spins for it instead of parking at
   * once. Parking would cost a wake-up, which on a busy machine (the owner, the event feeder and the reader
   * sharing two cores) took tens of microseconds: the quiet-machine read-under-write p99. Spinning is bounded;
   * after {@link #READ_SPINS} tries the reader blocks.
   */
  private long awaitReadLock() {
    waitingReaders.incrementAndGet();
    try {
      for (int spin = 0; spin < READ_SPINS; spin++) {
        long stamp = lock.tryReadLock();
        if (stamp != 0) {
          return stamp;
        }
        Thread.onSpinWait();
      }
      return lock.readLock();
    } finally {
      waitingReaders.decrementAndGet();
    }
  }

  private void readUnlocked(long[] hashes, boolean earlyExit, ReadScratch s, int n) {
    index.match(hashes, hashes.length, earlyExit, s.match);
    for (int i = 0; i < n; i++) {
      s.sizes[i] = index.size(s.targets[i]);
    }
  }

  @Override
  public OverlapScores findMatches(long[] localHashes) {
    return findMatches(localHashes, false);
  }

  @Override
  public OverlapScores findMatches(long[] localHashes, boolean earlyExit) {
    ReadScratch s = scratch.get();
    // Sizes are read for the matched targets; a second validated read keeps them consistent with the walk.
    readIndex(localHashes, earlyExit, s, 0);
    MatchResult m = s.match;
    int n = m.count();
    s.ensure(n);
    for (int i = 0; i < n; i++) {
      s.targets[i] = m.target(i);
    }
    Map<Target, Integer> scores = new HashMap<>();
    Map<Target, Long> sizes = new HashMap<>();
    for (int i = 0; i < n; i++) {
      int t = s.targets[i];
      Target target = registry.target(t);
      scores.put(target, m.depth(t));
      sizes.put(target, index.size(t));
    }
    return new OverlapScores(scores, sizes);
  }

  @Override
  public IndexStats indexStats() {
    Map<Target, Long> perTarget = new LinkedHashMap<>();
    for (int t = 0; t < registry.size(); t++) {
      long size = index.size(t);
      if (size > 0) {
        perTarget.put(registry.target(t), size);
      }
    }
    return new IndexStats(index.nodes(), index.entries(), index.approxBytes(), perTarget, index.eventsApplied(),
        index.dropCounts());
  }

  // ------------------------------------------------------------------ decisions

  @Override
  public RouteDecision route(RouteQuery query, List<Candidate> candidates) {
    Policy policy = policies.get(query.policy(), config.policy());
    checkQuery(query);
    if (candidates.isEmpty()) {
      return new RouteDecision(null, 0, 0, Double.NaN, policy.name());
    }
    ReadScratch s = prepare(query, candidates);
    long[] seq = BlockHasher.sequenceHashes(query.localHashes());
    decisionLock.lock();
    try {
      fillSnapshot(query, candidates, s, seq);
      policy.costs(snapshot, costs);
      int chosen = policy.choose(snapshot, costs, random);
      Target target = candidates.get(chosen).target();
      int overlap = snapshot.overlap[chosen];
      if (query.requestId() != null) {
        loads.add(query.requestId(), s.targets[chosen], seq, query.numTokens(), overlap, config.blockSize(),
            clock.millis());
      }
      if (policy instanceof SeedPolicy) {
        engines.computeIfAbsent(target.workerId(), k -> new EngineState()).bump++;
      }
      int cached = (int) Math.min((long) overlap * config.blockSize(), Math.max(0, query.numTokens()));
      return new RouteDecision(target, overlap, cached, costs[chosen], policy.name());
    } finally {
      decisionLock.unlock();
    }
  }

  @Override
  public List<CandidateScore> score(RouteQuery query, List<Candidate> candidates) {
    Policy policy = policies.get(query.policy(), config.policy());
    checkQuery(query);
    if (candidates.isEmpty()) {
      return List.of();
    }
    ReadScratch s = prepare(query, candidates);
    long[] seq = BlockHasher.sequenceHashes(query.localHashes());
    decisionLock.lock();
    try {
      fillSnapshot(query, candidates, s, seq);
      policy.costs(snapshot, costs);
      List<CandidateScore> out = new ArrayList<>(candidates.size());
      for (int i = 0; i < candidates.size(); i++) {
        out.add(new CandidateScore(candidates.get(i).target(), snapshot.overlap[i], snapshot.treeSize[i],
            snapshot.potentialPrefillTokens(i), snapshot.potentialDecodeBlocks(i), snapshot.activeRequests[i],
            costs[i]));
      }
      return out;
    } finally {
      decisionLock.unlock();
    }
  }

  private static void checkQuery(RouteQuery query) {
    if (query.localHashes() == null) {
      throw new IllegalArgumentException("localHashes must not be null");
    }
    if (query.numTokens() < 0) {
      throw new IllegalArgumentException("numTokens must not be negative: " + query.numTokens());
    }
  }

  private ReadScratch prepare(RouteQuery query, List<Candidate> candidates) {
    ReadScratch s = scratch.get();
    int n = candidates.size();
    s.ensure(n);
    for (int i = 0; i < n; i++) {
      s.targets[i] = registry.indexOf(candidates.get(i).target());
    }
    readIndex(query.localHashes(), false, s, n);
    return s;
  }

  /** Fills the snapshot for the candidates; caller holds the decision lock. */
  private void fillSnapshot(RouteQuery query, List<Candidate> candidates, ReadScratch s, long[] seq) {
    int n = candidates.size();
    if (costs.length < n) {
      costs = new double[Math.max(n, costs.length * 2)];
    }
    int words = (registry.size() + 63) >>> 6;
    if (prefixScratch.length < words) {
      prefixScratch = new long[words];
    }
    loads.activePrefix(seq, activePrefix, prefixScratch);
    snapshot.reset(n, config.blockSize(), query.numTokens());
    for (int i = 0; i < n; i++) {
      int t = s.targets[i];
      EngineState e = engines.get(candidates.get(i).target().workerId());
      double usage = e == null ? 0.0 : e.metrics.kvCacheUsage();
      double waiting = e == null ? 0.0 : e.metrics.numWaitingReqs() + e.bump;
      snapshot.set(i, s.match.depth(t), s.sizes[i], loads.prefillTokens(t), loads.activeBlocks(t),
          seq.length - activePrefix.depth(t), loads.activeRequests(t), usage, waiting);
    }
  }

  // ------------------------------------------------------------------ load

  @Override
  public void book(String requestId, Target target, long[] sequenceHashes, int numTokens, int overlapBlocks) {
    int t = registry.indexOf(target);
    decisionLock.lock();
    try {
      loads.add(requestId, t, sequenceHashes, numTokens, overlapBlocks, config.blockSize(), clock.millis());
    } finally {
      decisionLock.unlock();
    }
  }

  @Override
  public boolean prefillDone(String requestId) {
    decisionLock.lock();
    try {
      return loads.prefillDone(requestId);
    } finally {
      decisionLock.unlock();
    }
  }

  @Override
  public boolean release(String requestId) {
    decisionLock.lock();
    try {
      return loads.free(requestId);
    } finally {
      decisionLock.unlock();
    }
  }

  @Override
  public Map<Target, LoadView> loads() {
    decisionLock.lock();
    try {
      Map<Target, LoadView> out = new LinkedHashMap<>();
      loads.views().forEach((t, v) -> out.put(registry.target(t), v));
      return Collections.unmodifiableMap(out);
    } finally {
      decisionLock.unlock();
    }
  }

  @Override
  public void onMetrics(String workerId, WorkerMetrics metrics) {
    long previousTotal;
    decisionLock.lock();
    try {
      EngineState e = engines.computeIfAbsent(workerId, k -> new EngineState());
      previousTotal = e.metrics.kvTotalBlocks();
      e.metrics = metrics;
      e.bump = 0;
    } finally {
      decisionLock.unlock();
    }
    // The engine's cache size: its targets' engine-hash tables are presized once per new value (no rehash while
    // the cache fills, e.g. after a restart or a reset); 0 (not reported) keeps whatever hint there was.
    // Queued directly: metrics may race with close(), and a hint nobody applies any more is harmless.
    if (metrics.kvTotalBlocks() > 0 && metrics.kvTotalBlocks() != previousTotal && running) {
      queue.add(new Capacity(workerId, metrics.kvTotalBlocks()));
    }
  }

  @Override
  public int expireStale() {
    long cutoff = clock.millis() - config.requestExpiry().toMillis();
    decisionLock.lock();
    try {
      return loads.expire(cutoff);
    } finally {
      decisionLock.unlock();
    }
  }

  @Override
  public void close() {
    if (!running) {
      return;
    }
    queue.add(new Stop());
    try {
      owner.join(5_000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    running = false;
    owner.interrupt();
  }

  @Override
  public String toString() {
    return "DefaultRouterCore" + Arrays.asList(config.blockSize(), config.policy());
  }
}

package io.kvroute.router.core.load;

import io.kvroute.router.core.LoadView;
import io.kvroute.router.core.index.MatchResult;
import it.unimi.dsi.fastutil.longs.Long2IntOpenHashMap;
import it.unimi.dsi.fastutil.longs.Long2LongOpenHashMap;
import it.unimi.dsi.fastutil.longs.Long2ObjectOpenHashMap;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.function.IntConsumer;

/**
 * Router-side predicted load per target (reference notes §4.4 {@code ActiveSequences}): outstanding prefill tokens,
 * unique active blocks (sequence hashes refcounted across the target's requests, so a shared prefix counts once)
 * and active requests. Not thread-safe: the facade guards it with one lock so that a decision and its booking are
 * atomic.
 *
 * <p>Besides the per-target refcounts, a global map from sequence hash to the bitset of targets where it is
 * active lets a decision count, for every candidate at once, how many of the query's blocks are already active
 * there: a sequence hash fixes its whole prefix, so those blocks always form a prefix of the query and one walk
 * with dropout depths (like the index's) answers it.
 */
public final class ActiveLoads {

  /** One booked request. */
  public static final class Booking {
    final String requestId;
    final int target;
    final long[] sequenceHashes;
    final long prefillTokens;
    final long bookedAtMillis;
    boolean prefillDone;

    Booking(String requestId, int target, long[] sequenceHashes, long prefillTokens, long bookedAtMillis) {
      this.requestId = requestId;
      this.target = target;
      this.sequenceHashes = sequenceHashes;
      this.prefillTokens = prefillTokens;
      this.bookedAtMillis = bookedAtMillis;
    }

    public int target() {
      return target;
    }
  }

  private static final class TargetLoad {
    // Sized so that booking and releasing one long prompt does not grow and shrink the table every time.
    final Long2IntOpenHashMap refs = new Long2IntOpenHashMap(1024);
    long prefillTokens;
    int requests;
  }

  private TargetLoad[] byTarget = new TargetLoad[16];
  /** Sequence hash → bitset of targets 0..63 where it is active (no allocation per block). */
  private final Long2LongOpenHashMap activeLow = new Long2LongOpenHashMap(8192);
  /** Sequence hash → bitset words of targets from 64 on (word w covers 64(w+1)..); empty in small fleets. */
  private final Long2ObjectOpenHashMap<long[]> activeHigh = new Long2ObjectOpenHashMap<>();
  private final HashMap<String, Booking> requests = new HashMap<>();

  /**
   * Books a request on a target: {@code prefill = max(0, isl − overlapBlocks × blockSize)} tokens and one
   * reference on each sequence hash. A request id already booked is released first (re-routing).
   */
  public void add(String requestId, int target, long[] sequenceHashes, long isl, int overlapBlocks, int blockSize,
      long nowMillis) {
    if (requests.containsKey(requestId)) {
      free(requestId);
    }
    long prefill = Math.max(0L, isl - (long) overlapBlocks * blockSize);
    Booking b = new Booking(requestId, target, sequenceHashes, prefill, nowMillis);
    requests.put(requestId, b);
    TargetLoad load = load(target);
    load.prefillTokens += prefill;
    load.requests++;
    for (long s : sequenceHashes) {
      if (load.refs.addTo(s, 1) == 0) {
        setActive(s, target);
      }
    }
  }

  /** Prefill finished: the request's prefill tokens stop counting (once). False for unknown ids. */
  public boolean prefillDone(String requestId) {
    Booking b = requests.get(requestId);
    if (b == null || b.prefillDone) {
      return b != null;
    }
    b.prefillDone = true;
    load(b.target).prefillTokens -= b.prefillTokens;
    return true;
  }

  /** The request ended: drop its tokens (if prefill was not done) and its block references. */
  public boolean free(String requestId) {
    Booking b = requests.remove(requestId);
    if (b == null) {
      return false;
    }
    release(b);
    return true;
  }

  private void release(Booking b) {
    TargetLoad load = load(b.target);
    if (!b.prefillDone) {
      load.prefillTokens -= b.prefillTokens;
    }
    load.requests--;
    for (long s : b.sequenceHashes) {
      int before = load.refs.addTo(s, -1);
      if (before == 1) {
        load.refs.remove(s);
        clearActive(s, b.target);
      }
    }
  }

  /** Frees every request booked before {@code cutoffMillis}; returns how many. */
  public int expire(long cutoffMillis) {
    int n = 0;
    Iterator<Booking> it = requests.values().iterator();
    while (it.hasNext()) {
      Booking b = it.next();
      if (b.bookedAtMillis - cutoffMillis < 0) {
        it.remove();
        release(b);
        n++;
      }
    }
    return n;
  }

  /** Drops every request of the given targets. */
  public int removeTargets(int[] targets) {
    List<String> ids = new ArrayList<>();
    for (Booking b : requests.values()) {
      for (int t : targets) {
        if (b.target == t) {
          ids.add(b.requestId);
        }
      }
    }
    ids.forEach(this::free);
    return ids.size();
  }

  public long prefillTokens(int target) {
    TargetLoad l = peek(target);
    return l == null ? 0 : l.prefillTokens;
  }

  public long activeBlocks(int target) {
    TargetLoad l = peek(target);
    return l == null ? 0 : l.refs.size();
  }

  public int activeRequests(int target) {
    TargetLoad l = peek(target);
    return l == null ? 0 : l.requests;
  }

  public int requestCount() {
    return requests.size();
  }

  public Booking booking(String requestId) {
    return requests.get(requestId);
  }

  /** Every target with any load. */
  public Map<Integer, LoadView> views() {
    Map<Integer, LoadView> out = new HashMap<>();
    for (int t = 0; t < byTarget.length; t++) {
      TargetLoad l = byTarget[t];
      if (l != null && (l.requests > 0 || l.prefillTokens != 0 || !l.refs.isEmpty())) {
        out.put(t, new LoadView(l.prefillTokens, l.refs.size(), l.requests));
      }
    }
    return out;
  }

  /**
   * For every target, the number of leading sequence hashes of the query already active there (written into
   * {@code out}; targets absent from it have 0).
   */
  public void activePrefix(long[] sequenceHashes, MatchResult out, long[] scratch) {
    out.reset();
    int n = sequenceHashes.length;
    if (n == 0) {
      return;
    }
    long active = activeLow.get(sequenceHashes[0]);
    int d = 1;
    while (active != 0 && d < n) {
      long next = active & activeLow.get(sequenceHashes[d]);
      if (next != active) {
        out.record(active & ~next, 0, d);
        active = next;
      }
      d++;
    }
    if (active != 0) {
      out.record(active, 0, d);
    }
    if (!activeHigh.isEmpty()) {
      activePrefixHigh(sequenceHashes, out, scratch);
    }
  }

  private void activePrefixHigh(long[] sequenceHashes, MatchResult out, long[] scratch) {
    long[] first = activeHigh.get(sequenceHashes[0]);
    if (first == null) {
      return;
    }
    int words = first.length;
    long[] active = scratch.length >= words ? scratch : new long[words];
    System.arraycopy(first, 0, active, 0, words);
    int d = 1;
    boolean any = true;
    while (any && d < sequenceHashes.length) {
      long[] bits = activeHigh.get(sequenceHashes[d]);
      any = false;
      for (int w = 0; w < words; w++) {
        long a = active[w];
        if (a == 0) {
          continue;
        }
        long next = bits != null && w < bits.length ? a & bits[w] : 0L;
        if (next != a) {
          out.record(a & ~next, w + 1, d);
          active[w] = next;
        }
        any |= next != 0;
      }
      d++;
    }
    if (any) {
      for (int w = 0; w < words; w++) {
        out.record(active[w], w + 1, d);
      }
    }
  }

  private void setActive(long seq, int target) {
    if (target < 64) {
      long bit = 1L << target;
      long old = activeLow.put(seq, bit);
      if (old != 0) {
        activeLow.put(seq, old | bit);
      }
      return;
    }
    int w = (target >>> 6) - 1;
    long[] bits = activeHigh.get(seq);
    if (bits == null || bits.length <= w) {
      long[] n = new long[w + 1];
      if (bits != null) {
        System.arraycopy(bits, 0, n, 0, bits.length);
      }
      bits = n;
      activeHigh.put(seq, bits);
    }
    bits[w] |= 1L << (target & 63);
  }

  private void clearActive(long seq, int target) {
    if (target < 64) {
      long rest = activeLow.remove(seq) & ~(1L << target);
      if (rest != 0) {
        activeLow.put(seq, rest);
      }
      return;
    }
    long[] bits = activeHigh.get(seq);
    if (bits == null) {
      return;
    }
    int w = (target >>> 6) - 1;
    if (w < bits.length) {
      bits[w] &= ~(1L << (target & 63));
    }
    for (long b : bits) {
      if (b != 0) {
        return;
      }
    }
    activeHigh.remove(seq);
  }

  private TargetLoad load(int target) {
    if (target >= byTarget.length) {
      byTarget = Arrays.copyOf(byTarget, Math.max(target + 1, byTarget.length * 2));
    }
    TargetLoad l = byTarget[target];
    if (l == null) {
      l = new TargetLoad();
      byTarget[target] = l;
    }
    return l;
  }

  private TargetLoad peek(int target) {
    return target >= 0 && target < byTarget.length ? byTarget[target] : null;
  }

  /** Visits every target index that has a load slot. */
  public void forEachTarget(IntConsumer c) {
    for (int t = 0; t < byTarget.length; t++) {
      if (byTarget[t] != null) {
        c.accept(t);
      }
    }
  }
}

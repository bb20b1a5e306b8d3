package io.kvroute.common.tokenizer;

import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.atomic.LongAdder;

/**
 * A bounded LRU map from a text piece to its token ids, thread-safe. Striped by the key's hash: each stripe is an
 * access-ordered {@link LinkedHashMap} with its own lock and an equal share of the bound, so lookups on different
 * stripes never contend and no lock is held while the caller runs the tokenizer. Weight of an entry = key chars +
 * 2 per id (both counted in 2-byte units). Values are shared: callers must not modify the returned arrays.
 */
final class SegmentCache {

  private static final int STRIPES = 16;

  private final Stripe[] stripes = new Stripe[STRIPES];
  private final long maxWeight;
  private final LongAdder hits = new LongAdder();
  private final LongAdder misses = new LongAdder();
  private final LongAdder evictions = new LongAdder();

  SegmentCache(long maxWeight) {
    if (maxWeight <= 0) {
      throw new IllegalArgumentException("segment cache bound must be positive: " + maxWeight);
    }
    this.maxWeight = maxWeight;
    for (int i = 0; i < STRIPES; i++) {
      stripes[i] = new Stripe(Math.max(1, maxWeight / STRIPES));
    }
  }

  private Stripe stripe(String key) {
    int h = key.hashCode();
    return stripes[(h ^ (h >>> 16)) & (STRIPES - 1)];
  }

  /** The cached ids of {@code piece}, or null (counted as a miss). */
  int[] get(String piece) {
    Stripe stripe = stripe(piece);
    int[] ids;
    synchronized (stripe) {
      ids = stripe.map.get(piece);
    }
    (ids == null ? misses : hits).increment();
    return ids;
  }

  /** The cached ids of {@code piece}, or null, not counted (the caller counts with {@link #count}). */
  int[] peek(String piece) {
    Stripe stripe = stripe(piece);
    synchronized (stripe) {
      return stripe.map.get(piece);
    }
  }

  /** Adds lookups made with {@link #peek} to the hit and miss counts. */
  void count(long hitCount, long missCount) {
    hits.add(hitCount);
    misses.add(missCount);
  }

  void put(String piece, int[] ids) {
    long weight = weight(piece, ids);
    Stripe stripe = stripe(piece);
    if (weight > stripe.maxWeight) {
      return;
    }
    long evicted = 0;
    synchronized (stripe) {
      int[] previous = stripe.map.put(piece, ids);
      if (previous != null) {
        stripe.weight -= weight(piece, previous);
      }
      stripe.weight += weight;
      Iterator<Map.Entry<String, int[]>> eldest = stripe.map.entrySet().iterator();
      while (stripe.weight > stripe.maxWeight && eldest.hasNext()) {
        Map.Entry<String, int[]> e = eldest.next();
        stripe.weight -= weight(e.getKey(), e.getValue());
        eldest.remove();
        evicted++;
      }
    }
    if (evicted > 0) {
      evictions.add(evicted);
    }
  }

  private static long weight(String piece, int[] ids) {
    return piece.length() + 2L * ids.length;
  }

  SegmentCacheStats stats(long uncachedTexts) {
    long entries = 0;
    long weight = 0;
    for (Stripe stripe : stripes) {
      synchronized (stripe) {
        entries += stripe.map.size();
        weight += stripe.weight;
      }
    }
    return new SegmentCacheStats(hits.sum(), misses.sum(), evictions.sum(), entries, weight, maxWeight,
        uncachedTexts);
  }

  private static final class Stripe {
    final long maxWeight;
    final LinkedHashMap<String, int[]> map = new LinkedHashMap<>(64, 0.75f, true);
    long weight;

    Stripe(long maxWeight) {
      this.maxWeight = maxWeight;
    }
  }
}

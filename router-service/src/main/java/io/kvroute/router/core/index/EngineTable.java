package io.kvroute.router.core.index;

/**
 * One target's engine block hash → block reference map: open addressing with linear probing over one {@code long[]}
 * whose even slots hold keys and odd slots values (key and value share a cache line: one miss per lookup, not two as
 * with parallel arrays). A value of 0 marks an empty slot, so every key (0 included) is storable; values are never
 * 0 (the index packs a nonzero block id into them). Deletion shifts back (no tombstones), the table doubles above a
 * load of 1/2 (linear probing at 3/4 made inserts and back-shifts scan long clusters: measured) and halves below
 * 1/8 (so a target that empties gives its memory back).
 *
 * <p>Written by the index's writer thread only; {@link #size()} may be read racily.
 */
final class EngineTable {

  static final int MIN_CAPACITY = 16;

  private long[] slots;
  private int mask;
  private int size;

  EngineTable() {
    this(MIN_CAPACITY);
  }

  EngineTable(int capacity) {
    int cap = Math.max(MIN_CAPACITY, Integer.highestOneBit(Math.max(1, capacity) - 1) << 1);
    slots = new long[cap * 2];
    mask = cap - 1;
  }

  static int mix(long h) {
    long x = h * 0x9E3779B97F4A7C15L;
    x ^= x >>> 32;
    return (int) (x ^ (x >>> 16));
  }

  int size() {
    return size;
  }

  /** Slots allocated (capacity), for memory accounting. */
  int capacity() {
    return mask + 1;
  }

  /**
   * Loads the home slot of every key and returns a meaningless sum. The loads are independent, so the CPU overlaps
   * their cache misses (tens in flight) instead of paying one miss per key in the dependent probe loop that
   * follows; the caller must consume the result so that the JIT keeps the loads.
   */
  long touch(long[] keys) {
    long[] s = slots;
    int m = mask;
    long sum = 0;
    for (long k : keys) {
      sum += s[2 * (mix(k) & m) + 1];
    }
    return sum;
  }

  /** The value of a key, or 0. */
  long get(long key) {
    long[] s = slots;
    int m = mask;
    int i = mix(key) & m;
    for (int probes = 0; probes <= m; probes++) {
      long v = s[2 * i + 1];
      if (v == 0) {
        return 0;
      }
      if (s[2 * i] == key) {
        return v;
      }
      i = (i + 1) & m;
    }
    return 0;
  }

  /** Maps a key to a (nonzero) value; returns the previous value or 0. */
  long put(long key, long value) {
    long[] s = slots;
    int m = mask;
    int i = mix(key) & m;
    for (;;) {
      long v = s[2 * i + 1];
      if (v == 0) {
        break;
      }
      if (s[2 * i] == key) {
        s[2 * i + 1] = value;
        return v;
      }
      i = (i + 1) & m;
    }
    s[2 * i] = key;
    s[2 * i + 1] = value;
    if (++size * 2 > m + 1) {
      rehash((m + 1) * 2);
    }
    return 0;
  }

  /** Removes a key; returns its value or 0. Does not shrink (call {@link #maybeShrink()} after a batch). */
  long remove(long key) {
    long[] s = slots;
    int m = mask;
    int i = mix(key) & m;
    for (;;) {
      long v = s[2 * i + 1];
      if (v == 0) {
        return 0;
      }
      if (s[2 * i] == key) {
        shiftOut(s, m, i);
        size--;
        return v;
      }
      i = (i + 1) & m;
    }
  }

  /** Halves the table while it is at most 1/8 full. */
  void maybeShrink() {
    int cap = mask + 1;
    if (cap > MIN_CAPACITY && size * 8 < cap) {
      int target = cap;
      while (target > MIN_CAPACITY && size * 8 < target) {
        target >>>= 1;
      }
      rehash(Math.max(MIN_CAPACITY, target));
    }
  }

  /** Visits every value (writer thread). */
  void forEachValue(java.util.function.LongConsumer visitor) {
    long[] s = slots;
    for (int i = 1; i < s.length; i += 2) {
      if (s[i] != 0) {
        visitor.accept(s[i]);
      }
    }
  }

  /** Visits every (key, value) pair (writer thread). */
  void forEach(KeyValue visitor) {
    long[] s = slots;
    for (int i = 0; i < s.length; i += 2) {
      if (s[i + 1] != 0) {
        visitor.accept(s[i], s[i + 1]);
      }
    }
  }

  interface KeyValue {
    void accept(long key, long value);
  }

  private void rehash(int cap) {
    long[] old = slots;
    long[] s = new long[cap * 2];
    int m = cap - 1;
    for (int j = 0; j < old.length; j += 2) {
      long v = old[j + 1];
      if (v != 0) {
        long k = old[j];
        int i = mix(k) & m;
        while (s[2 * i + 1] != 0) {
          i = (i + 1) & m;
        }
        s[2 * i] = k;
        s[2 * i + 1] = v;
      }
    }
    slots = s;
    mask = m;
  }

  private static void shiftOut(long[] s, int m, int pos) {
    for (;;) {
      int last = pos;
      pos = (last + 1) & m;
      long v;
      long k;
      for (;;) {
        v = s[2 * pos + 1];
        if (v == 0) {
          s[2 * last] = 0;
          s[2 * last + 1] = 0;
          return;
        }
        k = s[2 * pos];
        int slot = mix(k) & m;
        if (last <= pos ? last >= slot || slot > pos : last >= slot && slot > pos) {
          break;
        }
        pos = (pos + 1) & m;
      }
      s[2 * last] = k;
      s[2 * last + 1] = v;
    }
  }
}

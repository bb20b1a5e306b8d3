package io.kvroute.router.core.index;

import io.kvroute.common.event.KvEvent;
import it.unimi.dsi.fastutil.ints.IntArrayList;
import it.unimi.dsi.fastutil.longs.LongArrayList;
import it.unimi.dsi.fastutil.longs.LongLinkedOpenHashSet;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * Radix (prefix) tree of cached blocks keyed by local hash, with a per-target lookup from engine block hash to
 * block (DESIGN §5, reference notes §3.1). Targets are dense indices (see {@link TargetRegistry}).
 *
 * <p>Layout (no object per block): every block is an int id into a paged arena of {@code long}s, {@value #STRIDE}
 * words per block: local hash, engine hash, holder bits of targets 0–63, link (parent id in the low 32 bits, child
 * in the high 32: 0 none, &gt; 0 the only child's id, &lt; 0 minus the index of an open-addressing table of child ids
 * keyed by their local hash) and meta (index of the holder words of targets ≥ 64 in the low 32 bits, the block's
 * allocation stamp in the high 32). The blocks of one stored event get consecutive ids when the arena grows, and
 * freed ids are reused last-freed-first, so a chain evicted leaf-first and re-stored comes back in ascending order:
 * a query walking a chain reads the arena mostly sequentially, and a one-child block needs no hash lookup. The
 * per-target lookup ({@link EngineTable}) maps an engine hash to {@code stamp << 32 | id}; the stamp (never 0,
 * cleared when the block is freed) makes an entry that outlived its block (a target that stored one block under
 * two engine hashes and evicted one) detectable instead of aliasing a reused id. When the last block goes, the
 * arena is released (unique-heavy traffic leaves nothing behind).
 *
 * <p>Threading: every mutating method must be called by one writer thread. {@link #match} and the size getters may
 * run concurrently on other threads: every read loop is bounded, a torn read may at worst throw an unchecked
 * exception (index out of bounds, null page), and the result is only meaningful if the caller validates that no
 * write happened meanwhile (the facade does so with a {@code StampedLock} and retries on either).
 *
 * <p>Semantics: stored with an unknown parent drops the whole event; stored with a block hash repeated in the
 * event (or equal to its parent) is rejected as self-referencing; removed of an unknown hash is counted and the
 * rest applied; cleared forgets one target. A block no target holds and with no children is unlinked at once,
 * and its parent after it if that becomes empty too (no leak). A block that loses its last holder but still has
 * children (a worker evicted a parent before its child) stays until the children go.
 */
public final class RadixIndex {

  /** Outcome counters, by reason. */
  public enum Drop {
    UNKNOWN_PARENT("unknown_parent"), UNKNOWN_BLOCK("unknown_block"), SELF_REFERENCE("self_reference");

    public final String label;

    Drop(String label) {
      this.label = label;
    }
  }

  /** Called by the index after each block mutation, so the owner can bound how long it holds a write lock. */
  public interface WriteGate {
    WriteGate NONE = () -> { };

    void tick();
  }

  static final int STRIDE = 5;
  /** Arena bytes per block. */
  public static final int BLOCK_BYTES = STRIDE * 8;
  private static final int LOCAL = 0;
  private static final int ENGINE = 1;
  private static final int BITS = 2;
  private static final int LINK = 3;
  private static final int META = 4;
  private static final int PAGE_SHIFT = 14;
  private static final int PAGE_BLOCKS = 1 << PAGE_SHIFT;
  private static final int PAGE_MASK = PAGE_BLOCKS - 1;
  private static final int FIRST_PAGE_BLOCKS = 32;
  private static final long LOW = 0xFFFF_FFFFL;
  private static final long TABLE_OVERHEAD_BYTES = 48;

  // Arena (writer-owned; readers see racy snapshots).
  private long[][] pages;
  private int nextId;
  private int[] freeIds;
  private int freeCount;
  private int stampCounter;
  private long arenaLongs;
  // Child tables: kids[k] = int[cap + 1] of child ids, last element = count.
  private int[][] kids;
  private int kidNext;
  private int[] kidFree;
  private int kidFreeCount;
  private long kidSlots;
  // Holder words of targets >= 64: hi[k] = long[] (word w covers targets 64(w+1) .. 64(w+2)-1).
  private long[][] hi;
  private int hiNext;
  private int[] hiFree;
  private int hiFreeCount;
  private long hiWords;

  private EngineTable[] lookup = new EngineTable[64];
  private int maxTargets;
  private long nodes;
  private long entries;
  private long eventsApplied;
  /** Consumes the loads of the touch passes (never read for its value). */
  @SuppressWarnings("unused")
  private long sink;
  private final AtomicLongArray drops = new AtomicLongArray(Drop.values().length);
  private final long[] bloom = new long[64];
  private long[] dupKeys = new long[64];
  private int[] dupStamp = new int[64];
  private int dupGeneration;

  public RadixIndex() {
    resetArena();
  }

  private void resetArena() {
    pages = new long[4][];
    pages[0] = new long[FIRST_PAGE_BLOCKS * STRIDE];
    arenaLongs = pages[0].length;
    nextId = 1; // id 0 is the root
    freeIds = new int[64];
    freeCount = 0;
    kids = new int[16][];
    kidNext = 1;
    kidFree = new int[16];
    kidFreeCount = 0;
    kidSlots = 0;
    hi = new long[16][];
    hiNext = 1;
    hiFree = new int[16];
    hiFreeCount = 0;
    hiWords = 0;
  }

  // ---------------------------------------------------------------- arena

  private long[] page(int id) {
    return pages[id >>> PAGE_SHIFT];
  }

  private static int off(int id) {
    return (id & PAGE_MASK) * STRIDE;
  }

  private long local(int id) {
    return page(id)[off(id) + LOCAL];
  }

  private long engine(int id) {
    return page(id)[off(id) + ENGINE];
  }

  private int parent(int id) {
    return (int) page(id)[off(id) + LINK];
  }

  private int childField(int id) {
    return (int) (page(id)[off(id) + LINK] >>> 32);
  }

  private void setChildField(int id, int child) {
    long[] p = page(id);
    int o = off(id) + LINK;
    p[o] = (p[o] & LOW) | ((long) child << 32);
  }

  private int hiIndex(int id) {
    return (int) page(id)[off(id) + META];
  }

  private void setHiIndex(int id, int k) {
    long[] p = page(id);
    int o = off(id) + META;
    p[o] = (p[o] & ~LOW) | (k & LOW);
  }

  /** The lookup value of a live block: its stamp and id. */
  private long ref(int id) {
    return (page(id)[off(id) + META] & ~LOW) | id;
  }

  /** True if a lookup value still designates the block it was made for. */
  private boolean live(long ref) {
    int id = (int) ref;
    return id > 0 && id < nextId && (page(id)[off(id) + META] & ~LOW) == (ref & ~LOW);
  }

  /** Loads the arena lines of the next {@code n} ids the allocator will hand out (see EngineTable.touch). */
  private long touchFreeIds(int n) {
    long sum = 0;
    for (int i = freeCount - 1, end = Math.max(0, freeCount - n); i >= end; i--) {
      int id = freeIds[i];
      sum += page(id)[off(id) + LINK];
    }
    return sum;
  }

  private int allocBlock(long local, long engine, int parent) {
    int id;
    if (freeCount > 0) {
      id = freeIds[--freeCount];
    } else {
      id = nextId++;
      ensurePage(id);
    }
    int stamp = ++stampCounter;
    if (stamp == 0) {
      stamp = ++stampCounter;
    }
    long[] p = page(id);
    int o = off(id);
    p[o + LOCAL] = local;
    p[o + ENGINE] = engine;
    p[o + BITS] = 0;
    p[o + LINK] = parent & LOW;
    p[o + META] = (long) stamp << 32;
    nodes++;
    return id;
  }

  private void ensurePage(int id) {
    int pi = id >>> PAGE_SHIFT;
    if (pi >= pages.length) {
      pages = Arrays.copyOf(pages, Math.max(pi + 1, pages.length * 2));
    }
    long[] p = pages[pi];
    int need = ((id & PAGE_MASK) + 1) * STRIDE;
    if (p == null) {
      pages[pi] = new long[PAGE_BLOCKS * STRIDE];
      arenaLongs += PAGE_BLOCKS * STRIDE;
    } else if (p.length < need) {
      // Only the first page starts small (tiny indexes stay tiny); it doubles up to a full page.
      long[] n = Arrays.copyOf(p, Math.min(PAGE_BLOCKS * STRIDE, p.length * 2));
      arenaLongs += n.length - p.length;
      pages[pi] = n;
    }
  }

  private void freeBlock(int id) {
    long[] p = page(id);
    int o = off(id);
    p[o + BITS] = 0;
    p[o + LINK] = 0;
    p[o + META] = 0;
    if (--nodes == 0) {
      resetArena();
      return;
    }
    if (freeCount == freeIds.length) {
      freeIds = Arrays.copyOf(freeIds, freeCount * 2);
    }
    freeIds[freeCount++] = id;
  }

  // ---------------------------------------------------------------- children

  /** The child of {@code parent} with the given local hash, or 0. Safe to call racily (bounded; may throw). */
  private static int findChild(long[][] pg, int[][] kt, int parent, long local) {
    int ch = (int) (pg[parent >>> PAGE_SHIFT][(parent & PAGE_MASK) * STRIDE + LINK] >>> 32);
    if (ch > 0) {
      return pg[ch >>> PAGE_SHIFT][(ch & PAGE_MASK) * STRIDE + LOCAL] == local ? ch : 0;
    }
    if (ch == 0) {
      return 0;
    }
    int[] t = kt[-ch];
    int m = t.length - 2;
    int i = EngineTable.mix(local) & m;
    for (int probes = 0; probes <= m; probes++) {
      int c = t[i];
      if (c == 0) {
        return 0;
      }
      if (pg[c >>> PAGE_SHIFT][(c & PAGE_MASK) * STRIDE + LOCAL] == local) {
        return c;
      }
      i = (i + 1) & m;
    }
    return 0;
  }

  private void addChild(int parent, int c) {
    int ch = childField(parent);
    if (ch == 0) {
      setChildField(parent, c);
      return;
    }
    int[] t;
    int k;
    if (ch > 0) {
      t = new int[4 + 1];
      kidPut(t, ch);
      t[4] = 1;
      k = allocKidTable(t);
      kidSlots += 4;
      setChildField(parent, -k);
    } else {
      k = -ch;
      t = kids[k];
      int cap = t.length - 1;
      if ((t[cap] + 1) * 2 > cap) {
        t = rehashKids(t, cap * 2);
        kids[k] = t;
      }
    }
    kidPut(t, c);
    t[t.length - 1]++;
  }

  private void removeChild(int parent, int c) {
    int ch = childField(parent);
    if (ch > 0) {
      if (ch == c) {
        setChildField(parent, 0);
      }
      return;
    }
    if (ch == 0) {
      return;
    }
    int k = -ch;
    int[] t = kids[k];
    int cap = t.length - 1;
    int m = cap - 1;
    int pos = EngineTable.mix(local(c)) & m;
    for (int probes = 0; t[pos] != c; probes++) {
      if (t[pos] == 0 || probes > m) {
        return;
      }
      pos = (pos + 1) & m;
    }
    kidShiftOut(t, m, pos);
    int count = --t[cap];
    if (count == 1) {
      int only = 0;
      for (int i = 0; i < cap; i++) {
        if (t[i] != 0) {
          only = t[i];
          break;
        }
      }
      setChildField(parent, only);
      freeKidTable(k);
      kidSlots -= cap;
    } else if (cap > 8 && count * 8 < cap) {
      kids[k] = rehashKids(t, cap / 2);
    }
  }

  private int allocKidTable(int[] t) {
    int k;
    if (kidFreeCount > 0) {
      k = kidFree[--kidFreeCount];
    } else {
      k = kidNext++;
      if (k == kids.length) {
        kids = Arrays.copyOf(kids, k * 2);
      }
    }
    kids[k] = t;
    return k;
  }

  private void freeKidTable(int k) {
    kids[k] = null;
    if (kidFreeCount == kidFree.length) {
      kidFree = Arrays.copyOf(kidFree, kidFreeCount * 2);
    }
    kidFree[kidFreeCount++] = k;
  }

  private int[] rehashKids(int[] t, int cap) {
    int[] n = new int[cap + 1];
    int oldCap = t.length - 1;
    for (int i = 0; i < oldCap; i++) {
      if (t[i] != 0) {
        kidPut(n, t[i]);
      }
    }
    n[cap] = t[oldCap];
    kidSlots += cap - oldCap;
    return n;
  }

  private void kidPut(int[] t, int c) {
    int m = t.length - 2;
    int i = EngineTable.mix(local(c)) & m;
    while (t[i] != 0) {
      i = (i + 1) & m;
    }
    t[i] = c;
  }

  private void kidShiftOut(int[] t, int m, int pos) {
    for (;;) {
      int last = pos;
      pos = (last + 1) & m;
      int curr;
      for (;;) {
        curr = t[pos];
        if (curr == 0) {
          t[last] = 0;
          return;
        }
        int slot = EngineTable.mix(local(curr)) & m;
        if (last <= pos ? last >= slot || slot > pos : last >= slot && slot > pos) {
          break;
        }
        pos = (pos + 1) & m;
      }
      t[last] = curr;
    }
  }

  private void forEachChild(int id, java.util.function.IntConsumer visitor) {
    int ch = childField(id);
    if (ch > 0) {
      visitor.accept(ch);
    } else if (ch < 0) {
      int[] t = kids[-ch];
      for (int i = 0; i < t.length - 1; i++) {
        if (t[i] != 0) {
          visitor.accept(t[i]);
        }
      }
    }
  }

  // ---------------------------------------------------------------- holders

  /** Holder word w of a block (word 0 = targets 0..63). Safe to call racily (may throw). */
  private static long word(long[][] pg, long[][] hiPool, int id, int w) {
    long[] p = pg[id >>> PAGE_SHIFT];
    int o = (id & PAGE_MASK) * STRIDE;
    if (w == 0) {
      return p[o + BITS];
    }
    int k = (int) p[o + META];
    if (k == 0) {
      return 0L;
    }
    long[] h = hiPool[k];
    return h != null && w - 1 < h.length ? h[w - 1] : 0L;
  }

  private boolean has(int id, int target) {
    return (word(pages, hi, id, target >>> 6) >>> (target & 63) & 1L) != 0;
  }

  private boolean holderless(int id) {
    long[] p = page(id);
    int o = off(id);
    return p[o + BITS] == 0 && (int) p[o + META] == 0;
  }

  private void addHolder(int id, int target) {
    if (target < 64) {
      page(id)[off(id) + BITS] |= 1L << target;
      return;
    }
    int w = (target >>> 6) - 1;
    int k = hiIndex(id);
    long[] h = k == 0 ? null : hi[k];
    if (h == null || w >= h.length) {
      long[] n = h == null ? new long[w + 1] : Arrays.copyOf(h, w + 1);
      hiWords += n.length - (h == null ? 0 : h.length);
      if (k == 0) {
        k = allocHi();
        setHiIndex(id, k);
      }
      hi[k] = n;
      h = n;
    }
    h[w] |= 1L << (target & 63);
  }

  /** Removes a holder; true if it was one. Frees the high words once no high target holds the block. */
  private boolean removeHolder(int id, int target) {
    long bit = 1L << (target & 63);
    if (target < 64) {
      long[] p = page(id);
      int o = off(id) + BITS;
      if ((p[o] & bit) == 0) {
        return false;
      }
      p[o] &= ~bit;
      return true;
    }
    int w = (target >>> 6) - 1;
    int k = hiIndex(id);
    long[] h = k == 0 ? null : hi[k];
    if (h == null || w >= h.length || (h[w] & bit) == 0) {
      return false;
    }
    h[w] &= ~bit;
    for (long x : h) {
      if (x != 0) {
        return true;
      }
    }
    hiWords -= h.length;
    hi[k] = null;
    setHiIndex(id, 0);
    if (hiFreeCount == hiFree.length) {
      hiFree = Arrays.copyOf(hiFree, hiFreeCount * 2);
    }
    hiFree[hiFreeCount++] = k;
    return true;
  }

  private int allocHi() {
    if (hiFreeCount > 0) {
      return hiFree[--hiFreeCount];
    }
    int k = hiNext++;
    if (k == hi.length) {
      hi = Arrays.copyOf(hi, k * 2);
    }
    return k;
  }

  // ---------------------------------------------------------------- writes (owner thread)

  /** Applies one event of a target. Returns false if the event (or part of it) was dropped. */
  public boolean apply(int target, KvEvent event, WriteGate gate) {
    eventsApplied++;
    if (event instanceof KvEvent.Stored s) {
      return store(target, s, gate);
    } else if (event instanceof KvEvent.Removed r) {
      return remove(target, r.blockHashes(), gate);
    } else {
      clear(target, gate);
      return true;
    }
  }

  public boolean apply(int target, KvEvent event) {
    return apply(target, event, WriteGate.NONE);
  }

  private boolean store(int target, KvEvent.Stored s, WriteGate gate) {
    long[] blocks = s.blockHashes();
    long[] locals = s.tokensHashes();
    if (selfReferencing(s)) {
      drops.incrementAndGet(Drop.SELF_REFERENCE.ordinal());
      return false;
    }
    EngineTable map = mapFor(target);
    sink += map.touch(blocks) + touchFreeIds(blocks.length);
    int parent = 0;
    if (s.hasParent()) {
      long ref = map.get(s.parentHash());
      if (ref == 0 || !live(ref)) {
        if (ref != 0) {
          map.remove(s.parentHash());
          entries--;
        }
        drops.incrementAndGet(Drop.UNKNOWN_PARENT.ordinal());
        return false;
      }
      parent = (int) ref;
    }
    for (int i = 0; i < blocks.length; i++) {
      long local = locals[i];
      int c = findChild(pages, kids, parent, local);
      if (c == 0) {
        c = allocBlock(local, blocks[i], parent);
        addChild(parent, c);
      }
      // Hold c before releasing a previous place of this hash, so that pruning that place never reaches c.
      addHolder(c, target);
      long ref = ref(c);
      long prev = map.put(blocks[i], ref);
      if (prev == 0) {
        entries++;
      } else if (prev != ref && live(prev) && removeHolder((int) prev, target)) {
        // The engine re-stored this hash elsewhere: it no longer holds the old place.
        pruneUp((int) prev);
      }
      parent = c;
      gate.tick();
    }
    return true;
  }

  /**
   * True if a block hash repeats within the event or equals its parent. Small events compare pairwise; larger
   * ones use a reusable open-addressing set stamped by generation (no allocation, no clearing).
   */
  private boolean selfReferencing(KvEvent.Stored s) {
    long[] blocks = s.blockHashes();
    int n = blocks.length;
    if (n <= 6) {
      for (int i = 0; i < n; i++) {
        if (s.hasParent() && blocks[i] == s.parentHash()) {
          return true;
        }
        for (int j = i + 1; j < n; j++) {
          if (blocks[i] == blocks[j]) {
            return true;
          }
        }
      }
      return false;
    }
    // A 4,096-bit filter proves most events duplicate-free in L1; only a filter hit pays for the exact set.
    long[] f = bloom;
    boolean maybe = false;
    if (s.hasParent()) {
      int h = EngineTable.mix(s.parentHash());
      f[(h >>> 6) & 63] |= 1L << h;
    }
    for (long b : blocks) {
      int h = EngineTable.mix(b);
      long bit = 1L << h;
      int w = (h >>> 6) & 63;
      if ((f[w] & bit) != 0) {
        maybe = true;
        break;
      }
      f[w] |= bit;
    }
    Arrays.fill(f, 0L);
    if (!maybe) {
      return false;
    }
    int cap = Integer.highestOneBit((n + 1) * 2 - 1) << 1;
    if (dupKeys.length < cap) {
      dupKeys = new long[cap];
      dupStamp = new int[cap];
      dupGeneration = 0;
    }
    if (++dupGeneration == 0) {
      Arrays.fill(dupStamp, 0);
      dupGeneration = 1;
    }
    if (s.hasParent()) {
      addUnique(s.parentHash(), cap - 1);
    }
    for (long b : blocks) {
      if (!addUnique(b, cap - 1)) {
        return true;
      }
    }
    return false;
  }

  private boolean addUnique(long key, int mask) {
    int i = EngineTable.mix(key) & mask;
    while (dupStamp[i] == dupGeneration) {
      if (dupKeys[i] == key) {
        return false;
      }
      i = (i + 1) & mask;
    }
    dupStamp[i] = dupGeneration;
    dupKeys[i] = key;
    return true;
  }

  private boolean remove(int target, long[] hashes, WriteGate gate) {
    EngineTable map = target < lookup.length ? lookup[target] : null;
    if (map != null && hashes.length > 1) {
      // Two overlapped passes (see EngineTable.touch): the table slots, then the blocks they designate.
      long sum = map.touch(hashes);
      for (long h : hashes) {
        long ref = map.get(h);
        int id = (int) ref;
        if (ref != 0 && id < nextId) {
          sum += page(id)[off(id) + LINK];
        }
      }
      sink += sum;
    }
    boolean ok = true;
    for (long h : hashes) {
      long ref = map == null ? 0 : map.remove(h);
      if (ref == 0) {
        drops.incrementAndGet(Drop.UNKNOWN_BLOCK.ordinal());
        ok = false;
        continue;
      }
      entries--;
      if (live(ref) && removeHolder((int) ref, target)) {
        pruneUp((int) ref);
      }
      gate.tick();
    }
    if (map != null) {
      map.maybeShrink();
    }
    return ok;
  }

  /** Forgets every block of a target (its lookup stays, empty). */
  public void clear(int target, WriteGate gate) {
    EngineTable map = target < lookup.length ? lookup[target] : null;
    if (map == null) {
      return;
    }
    map.forEachValue(ref -> {
      if (live(ref) && removeHolder((int) ref, target)) {
        pruneUp((int) ref);
      }
      gate.tick();
    });
    entries -= map.size();
    lookup[target] = new EngineTable();
  }

  /** Forgets a target entirely (blocks and lookup). */
  public void removeTarget(int target, WriteGate gate) {
    clear(target, gate);
    if (target < lookup.length) {
      lookup[target] = null;
    }
  }

  private void pruneUp(int id) {
    while (id != 0 && holderless(id) && childField(id) == 0) {
      int p = parent(id);
      removeChild(p, id);
      freeBlock(id);
      id = p;
    }
  }

  private EngineTable mapFor(int target) {
    if (target >= lookup.length) {
      lookup = Arrays.copyOf(lookup, Math.max(target + 1, lookup.length * 2));
    }
    EngineTable m = lookup[target];
    if (m == null) {
      m = new EngineTable();
      lookup[target] = m;
    }
    if (target >= maxTargets) {
      maxTargets = target + 1;
    }
    return m;
  }

  // ---------------------------------------------------------------- reads (any thread, racy)

  /**
   * Walks the query path once and records, for every target that holds the first block, the number of leading
   * blocks it holds (its depth). Sets only shrink along a path, so each step ANDs the active set with the child's
   * holders and records the depth of the targets that drop out. With {@code earlyExit} the walk stops when one
   * target is left (it gets the depth reached so far).
   */
  public void match(long[] hashes, int length, boolean earlyExit, MatchResult out) {
    out.reset();
    if (length <= 0) {
      return;
    }
    long[][] pg = pages;
    int[][] kt = kids;
    int node = findChild(pg, kt, 0, hashes[0]);
    if (node == 0) {
      return;
    }
    if (maxTargets <= 64) {
      matchSmall(pg, kt, node, hashes, length, earlyExit, out);
    } else {
      matchWide(pg, kt, hi, node, hashes, length, earlyExit, out);
    }
  }

  private static void matchSmall(long[][] pg, int[][] kt, int node, long[] hashes, int length, boolean earlyExit,
      MatchResult out) {
    long active = pg[node >>> PAGE_SHIFT][(node & PAGE_MASK) * STRIDE + BITS];
    int d = 1;
    while (active != 0 && d < length) {
      if (earlyExit && (active & (active - 1)) == 0) {
        break;
      }
      int c = findChild(pg, kt, node, hashes[d]);
      if (c == 0) {
        break;
      }
      long next = active & pg[c >>> PAGE_SHIFT][(c & PAGE_MASK) * STRIDE + BITS];
      if (next != active) {
        out.record(active & ~next, 0, d);
        active = next;
      }
      node = c;
      d++;
    }
    out.record(active, 0, d);
  }

  private void matchWide(long[][] pg, int[][] kt, long[][] hiPool, int node, long[] hashes, int length,
      boolean earlyExit, MatchResult out) {
    int words = (maxTargets + 63) >>> 6;
    out.words(words);
    long[] active = out.active;
    int alive = 0;
    int lo = words;
    int hiw = -1;
    for (int w = 0; w < words; w++) {
      long a = word(pg, hiPool, node, w);
      active[w] = a;
      if (a != 0) {
        alive += Long.bitCount(a);
        lo = Math.min(lo, w);
        hiw = w;
      }
    }
    int d = 1;
    while (alive > 0 && d < length) {
      if (earlyExit && alive == 1) {
        break;
      }
      int c = findChild(pg, kt, node, hashes[d]);
      if (c == 0) {
        break;
      }
      // Only the words between the first and last live one can change (sets only shrink along a path).
      for (int w = lo; w <= hiw; w++) {
        long a = active[w];
        if (a == 0) {
          continue;
        }
        long next = a & word(pg, hiPool, c, w);
        if (next != a) {
          long gone = a & ~next;
          alive -= Long.bitCount(gone);
          out.record(gone, w, d);
          active[w] = next;
        }
      }
      while (lo <= hiw && active[lo] == 0) {
        lo++;
      }
      while (hiw >= lo && active[hiw] == 0) {
        hiw--;
      }
      node = c;
      d++;
    }
    for (int w = lo; w <= hiw; w++) {
      if (active[w] != 0) {
        out.record(active[w], w, d);
      }
    }
  }

  /** Number of (block, target) entries of one target: its tree size. */
  public long size(int target) {
    EngineTable[] l = lookup;
    if (target < 0 || target >= l.length) {
      return 0;
    }
    EngineTable m = l[target];
    return m == null ? 0 : m.size();
  }

  /** Blocks in the tree, the root excluded. */
  public long nodes() {
    return nodes;
  }

  /** Total (block, target) entries. */
  public long entries() {
    return entries;
  }

  public long eventsApplied() {
    return eventsApplied;
  }

  public long dropped(Drop reason) {
    return drops.get(reason.ordinal());
  }

  public Map<String, Long> dropCounts() {
    Map<String, Long> m = new TreeMap<>();
    for (Drop d : Drop.values()) {
      m.put(d.label, drops.get(d.ordinal()));
    }
    return m;
  }

  /**
   * Approximate retained bytes: the arena as allocated (pages, not just live blocks), the free-id stack, child
   * tables, high holder words and the per-target lookups (16 bytes per slot).
   */
  public long approxBytes() {
    long bytes = arenaLongs * 8 + (long) freeIds.length * 4 + kidSlots * 4 + (long) kids.length * 4
        + hiWords * 8 + (long) hi.length * 4;
    EngineTable[] l = lookup;
    for (EngineTable m : l) {
      if (m != null) {
        bytes += TABLE_OVERHEAD_BYTES + 16L * m.capacity();
      }
    }
    return bytes;
  }

  // ---------------------------------------------------------------- dump (owner thread)

  /**
   * The tree as stored events per target, in parent-before-child order; consecutive blocks along one path are
   * merged into one chain. When {@code exact}, a block whose target does not hold its parent (the engine evicted
   * a parent before its child) is re-created through its missing ancestors, which are then removed again at the
   * end of that target's list, so that replaying the list into an empty index rebuilds an identical tree.
   * Without {@code exact} such a block is emitted under its parent's hash (a replay drops it, as the reference).
   */
  public Map<Integer, List<KvEvent>> dump(boolean exact) {
    Map<Integer, ChainBuilder> builders = new HashMap<>();
    IntArrayList stack = new IntArrayList();
    forEachChild(0, stack::push);
    int words = (maxTargets + 63) >>> 6;
    while (!stack.isEmpty()) {
      int n = stack.popInt();
      for (int w = 0; w < words; w++) {
        long bits = word(pages, hi, n, w);
        while (bits != 0) {
          int t = (w << 6) + Long.numberOfTrailingZeros(bits);
          bits &= bits - 1;
          builders.computeIfAbsent(t, k -> new ChainBuilder()).add(n, t, exact);
        }
      }
      forEachChild(n, stack::push);
    }
    Map<Integer, List<KvEvent>> out = new TreeMap<>();
    builders.forEach((t, b) -> out.put(t, b.finish()));
    return out;
  }

  private final class ChainBuilder {
    final List<KvEvent> events = new ArrayList<>();
    final LongLinkedOpenHashSet toRemove = new LongLinkedOpenHashSet();
    int last = -1;
    int chainParent;
    final LongArrayList blocks = new LongArrayList();
    final LongArrayList locals = new LongArrayList();

    void add(int n, int t, boolean exact) {
      if (last >= 0 && parent(n) == last) {
        blocks.add(engine(n));
        locals.add(local(n));
        last = n;
        return;
      }
      flush();
      int p = parent(n);
      if (exact && p != 0 && !has(p, t)) {
        IntArrayList missing = new IntArrayList();
        while (p != 0 && !has(p, t)) {
          missing.add(p);
          p = parent(p);
        }
        for (int i = missing.size() - 1; i >= 0; i--) {
          int m = missing.getInt(i);
          blocks.add(engine(m));
          locals.add(local(m));
          toRemove.add(engine(m));
        }
      }
      chainParent = p;
      blocks.add(engine(n));
      locals.add(local(n));
      last = n;
    }

    void flush() {
      if (blocks.isEmpty()) {
        return;
      }
      long[] b = blocks.toLongArray();
      long[] l = locals.toLongArray();
      events.add(chainParent == 0 ? KvEvent.Stored.root(b, l) : KvEvent.Stored.under(engine(chainParent), b, l));
      blocks.clear();
      locals.clear();
    }

    List<KvEvent> finish() {
      flush();
      if (!toRemove.isEmpty()) {
        events.add(new KvEvent.Removed(toRemove.toLongArray()));
      }
      return events;
    }
  }

  /** A canonical text form of the whole tree (children sorted, holders listed), for tests. */
  public String canonical() {
    StringBuilder sb = new StringBuilder();
    canonical(0, 0, sb);
    return sb.toString();
  }

  private void canonical(int n, int depth, StringBuilder sb) {
    IntArrayList kidsOf = new IntArrayList();
    forEachChild(n, kidsOf::add);
    int[] sorted = kidsOf.toIntArray();
    Integer[] boxed = Arrays.stream(sorted).boxed().toArray(Integer[]::new);
    Arrays.sort(boxed, (a, b) -> Long.compareUnsigned(local(a), local(b)));
    for (int k : boxed) {
      sb.append(" ".repeat(depth)).append(Long.toUnsignedString(local(k))).append('/')
          .append(Long.toUnsignedString(engine(k))).append(" {");
      for (int t = 0; t < maxTargets; t++) {
        if (has(k, t)) {
          sb.append(t).append(',');
        }
      }
      sb.append("}\n");
      canonical(k, depth + 1, sb);
    }
  }
}

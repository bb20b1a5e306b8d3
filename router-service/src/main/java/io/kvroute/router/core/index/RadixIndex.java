package io.kvroute.router.core.index;

import io.kvroute.common.event.KvEvent;
import it.unimi.dsi.fastutil.HashCommon;
import it.unimi.dsi.fastutil.longs.LongArrayList;
import it.unimi.dsi.fastutil.longs.LongLinkedOpenHashSet;
import it.unimi.dsi.fastutil.objects.Reference2LongOpenHashMap;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * Radix (prefix) tree of cached blocks keyed by local hash, with a per-target lookup from engine block hash to
 * node (DESIGN §5, reference notes §3.1). Targets are dense indices (see {@link TargetRegistry}).
 *
 * <p>Threading: every mutating method must be called by one writer thread. {@link #match} and the size getters may
 * run concurrently on other threads: they never throw or loop on torn state, but their result is only meaningful
 * if the caller validates that no write happened meanwhile (the facade does so with a {@code StampedLock}).
 *
 * <p>Semantics: stored with an unknown parent drops the whole event; stored with a block hash repeated in the
 * event (or equal to its parent) is rejected as self-referencing; removed of an unknown hash is counted and the
 * rest applied; cleared forgets one target. A node no target holds and with no children is unlinked at once,
 * and its parent after it if that becomes empty too (no leak). A node that loses its last holder but still has
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

  private static final long MAP_ENTRY_BYTES = 12;
  private static final long MAP_OVERHEAD_BYTES = 96;
  private static final long TABLE_OVERHEAD_BYTES = 48;
  /**
   * Largest capacity hint honoured per target: a presized engine-hash table costs 10-20 bytes per hinted block up
   * front (4-byte slots and a tag byte each at load at most 1/2, a power of two), so an engine reporting millions
   * of blocks grows the rest on demand.
   */
  public static final int MAX_PRESIZED_BLOCKS = 1 << 16;

  private final RadixNode root = new RadixNode(0L, 0L);
  private EngineHashTable[] lookup = new EngineHashTable[64];
  private int maxTargets;
  private long nodes;
  private long entries;
  private long tableSlots;
  private long hiWords;
  private long eventsApplied;
  private final AtomicLongArray drops = new AtomicLongArray(Drop.values().length);
  private long[] dupKeys = new long[64];
  private int[] dupStamp = new int[64];
  private byte[] undoScratch = new byte[64];
  private int dupGeneration;
  private int[] capacityHints = new int[64];

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

  /**
   * Stores a chain. A hash repeated within the event (or equal to its parent) cannot be stored without first
   * mapping that hash: at its second occurrence the put finds it mapped to an earlier node of this very path. So
   * instead of checking every event up front, the exact check runs only when a put finds its hash mapped to another
   * node (otherwise only a worker re-storing a block elsewhere does that); if the event does self-reference, the
   * blocks stored so far are taken back in reverse order, which leaves the tree, the tables and the counters as
   * before the event (readers may have seen the partial chain meanwhile, as they may see any event half applied).
   */
  private boolean store(int target, KvEvent.Stored s, WriteGate gate) {
    long[] blocks = s.blockHashes();
    long[] locals = s.tokensHashes();
    EngineHashTable map = mapFor(target);
    RadixNode parent = root;
    if (s.hasParent()) {
      parent = map.get(s.parentHash());
      if (parent == null || detached(parent)) {
        if (parent != null) {
          map.remove(s.parentHash());
          entries--;
        }
        // An event both self-referencing and under an unknown parent counts as self-referencing.
        drops.incrementAndGet((selfReferencing(s) ? Drop.SELF_REFERENCE : Drop.UNKNOWN_PARENT).ordinal());
        return false;
      }
    }
    byte[] undo = undoFlags(blocks.length);
    boolean checked = false; // the exact check covers the whole event: once is enough, however many puts trigger it
    for (int i = 0; i < blocks.length; i++) {
      long bh = blocks[i];
      RadixNode c = parent.find(locals[i]);
      if (c == null) {
        c = new RadixNode(locals[i], bh);
        c.parent = parent;
        tableSlots += parent.addChild(c);
        nodes++;
      }
      RadixNode prev = map.put(bh, c);
      if (prev == null) {
        entries++;
      } else if (prev != c) {
        if (!checked && selfReferencing(s)) {
          takeBack(target, map, s, i, c, prev, undo);
          drops.incrementAndGet(Drop.SELF_REFERENCE.ordinal());
          return false;
        }
        checked = true;
        if (prev.remove(target)) {
          // The engine re-stored this hash elsewhere: it no longer holds the old place.
          hiWords -= prev.trimHigh();
          pruneUp(prev);
        }
      }
      boolean held = c.has(target);
      undo[i] = (byte) ((prev == null ? NEW_MAPPING : 0) | (held ? 0 : NEW_HOLDER));
      if (!held) {
        hiWords += c.add(target);
      }
      parent = c;
      gate.tick();
    }
    return true;
  }

  private static final byte NEW_MAPPING = 1;
  private static final byte NEW_HOLDER = 2;

  private byte[] undoFlags(int n) {
    if (undoScratch.length < n) {
      undoScratch = new byte[Math.max(n, undoScratch.length * 2)];
    }
    return undoScratch;
  }

  /**
   * Undoes a self-referencing store found at block {@code at}: that block's put (which replaced {@code prev} by
   * {@code node}) is reverted, then blocks {@code at - 1} .. 0 lose the mapping and the holder bit they gained (as
   * recorded in {@code undo}), and every node left unheld and childless is unlinked again.
   */
  private void takeBack(int target, EngineHashTable map, KvEvent.Stored s, int at, RadixNode node, RadixNode prev,
      byte[] undo) {
    long[] blocks = s.blockHashes();
    map.put(blocks[at], prev);
    RadixNode up = node.parent; // block at - 1 of the chain (the chain is a path: each block's node is a child)
    pruneUp(node);
    for (int k = at - 1; k >= 0; k--) {
      RadixNode c = up;
      up = c.parent;
      if ((undo[k] & NEW_HOLDER) != 0 && c.remove(target)) {
        hiWords -= c.trimHigh();
      }
      if ((undo[k] & NEW_MAPPING) != 0) {
        map.remove(blocks[k]);
        entries--;
      }
      pruneUp(c);
    }
  }

  /**
   * True if a block hash repeats within the event or equals its parent (exact; runs only when a store finds a hash
   * already mapped elsewhere). Small events compare pairwise, larger ones go through a reusable open-addressing set
   * stamped by generation (no allocation, no clearing).
   */
  private boolean selfReferencing(KvEvent.Stored s) {
    long[] blocks = s.blockHashes();
    int n = blocks.length;
    if (n > 6) {
      return repeats(s);
    }
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

  private boolean repeats(KvEvent.Stored s) {
    long[] blocks = s.blockHashes();
    int n = blocks.length;
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
    int i = RadixNode.mix(key) & mask;
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
    EngineHashTable map = target < lookup.length ? lookup[target] : null;
    boolean ok = true;
    for (long h : hashes) {
      RadixNode n = map == null ? null : map.remove(h);
      if (n == null) {
        drops.incrementAndGet(Drop.UNKNOWN_BLOCK.ordinal());
        ok = false;
        continue;
      }
      entries--;
      if (n.remove(target)) {
        hiWords -= n.trimHigh();
        pruneUp(n);
      }
      gate.tick();
    }
    if (map != null) {
      map.trimIfEmpty(hint(target));
    }
    return ok;
  }

  /** Forgets every block of a target (its lookup stays, empty). */
  public void clear(int target, WriteGate gate) {
    EngineHashTable map = target < lookup.length ? lookup[target] : null;
    if (map == null) {
      return;
    }
    map.forEach((hash, n) -> {
      if (n.remove(target)) {
        hiWords -= n.trimHigh();
        pruneUp(n);
      }
      gate.tick();
    });
    entries -= map.size();
    lookup[target] = newTable(target);
  }

  /** Forgets a target entirely (blocks, lookup and capacity hint). */
  public void removeTarget(int target, WriteGate gate) {
    clear(target, gate);
    if (target < lookup.length) {
      lookup[target] = null;
    }
    if (target < capacityHints.length) {
      capacityHints[target] = 0;
    }
  }

  private void pruneUp(RadixNode n) {
    while (n != root && !n.held() && n.childCount == 0 && n.parent != null) {
      RadixNode p = n.parent;
      tableSlots += p.removeChild(n);
      n.parent = null;
      nodes--;
      n = p;
    }
  }

  /**
   * A capacity hint: the target's cache holds about {@code blocks} blocks (engines report {@code kv_total_blocks}
   * in their load metrics). Its engine-hash table is presized for that many entries (at most
   * {@link #MAX_PRESIZED_BLOCKS}), so filling it never rehashes; later tables of the target (after a clear) are
   * created at that size too. Non-positive values drop the hint. Owner thread.
   */
  public void expectBlocks(int target, long blocks) {
    if (target < 0) {
      throw new IllegalArgumentException("target index must be non-negative: " + target);
    }
    int hint = (int) Math.max(0, Math.min(blocks, MAX_PRESIZED_BLOCKS));
    if (target >= capacityHints.length) {
      capacityHints = Arrays.copyOf(capacityHints, Math.max(target + 1, capacityHints.length * 2));
    }
    capacityHints[target] = hint;
    EngineHashTable m = target < lookup.length ? lookup[target] : null;
    if (m != null && hint > 0) {
      m.ensureCapacity(hint);
    }
  }

  /** The target's capacity hint (0 = none). */
  public int capacityHint(int target) {
    return target >= 0 && target < capacityHints.length ? capacityHints[target] : 0;
  }

  private int hint(int target) {
    return target < capacityHints.length ? capacityHints[target] : 0;
  }

  private EngineHashTable newTable(int target) {
    return new EngineHashTable(hint(target));
  }

  private boolean detached(RadixNode n) {
    return n != root && n.parent == null;
  }

  private EngineHashTable mapFor(int target) {
    if (target >= lookup.length) {
      lookup = Arrays.copyOf(lookup, Math.max(target + 1, lookup.length * 2));
    }
    EngineHashTable m = lookup[target];
    if (m == null) {
      m = newTable(target);
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
    RadixNode node = root.find(hashes[0]);
    if (node == null) {
      return;
    }
    if (maxTargets <= 64) {
      matchSmall(node, hashes, length, earlyExit, out);
    } else {
      matchWide(node, hashes, length, earlyExit, out);
    }
  }

  private static void matchSmall(RadixNode node, long[] hashes, int length, boolean earlyExit, MatchResult out) {
    long active = node.bits0;
    int d = 1;
    while (active != 0 && d < length) {
      if (earlyExit && (active & (active - 1)) == 0) {
        break;
      }
      RadixNode c = node.find(hashes[d]);
      if (c == null) {
        break;
      }
      long next = active & c.bits0;
      if (next != active) {
        out.record(active & ~next, 0, d);
        active = next;
      }
      node = c;
      d++;
    }
    out.record(active, 0, d);
  }

  private void matchWide(RadixNode node, long[] hashes, int length, boolean earlyExit, MatchResult out) {
    int words = (maxTargets + 63) >>> 6;
    out.words(words);
    long[] active = out.active;
    int alive = 0;
    int lo = words;
    int hi = -1;
    for (int w = 0; w < words; w++) {
      long a = node.word(w);
      active[w] = a;
      if (a != 0) {
        alive += Long.bitCount(a);
        lo = Math.min(lo, w);
        hi = w;
      }
    }
    int d = 1;
    while (alive > 0 && d < length) {
      if (earlyExit && alive == 1) {
        break;
      }
      RadixNode c = node.find(hashes[d]);
      if (c == null) {
        break;
      }
      // Only the words between the first and last live one can change (sets only shrink along a path).
      for (int w = lo; w <= hi; w++) {
        long a = active[w];
        if (a == 0) {
          continue;
        }
        long next = a & c.word(w);
        if (next != a) {
          long gone = a & ~next;
          alive -= Long.bitCount(gone);
          out.record(gone, w, d);
          active[w] = next;
        }
      }
      while (lo <= hi && active[lo] == 0) {
        lo++;
      }
      while (hi >= lo && active[hi] == 0) {
        hi--;
      }
      node = c;
      d++;
    }
    for (int w = lo; w <= hi; w++) {
      if (active[w] != 0) {
        out.record(active[w], w, d);
      }
    }
  }

  /** Number of (block, target) entries of one target: its tree size. */
  public long size(int target) {
    EngineHashTable[] l = lookup;
    if (target < 0 || target >= l.length) {
      return 0;
    }
    EngineHashTable m = l[target];
    return m == null ? 0 : m.size();
  }

  /** Nodes in the tree, the root excluded. */
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
   * Approximate retained bytes: nodes, child tables, high holder words and engine-hash tables (4 bytes per slot and
   * a tag byte, plus 12 bytes per fastutil slot for the rare keys that differ from their node's hash).
   */
  public long approxBytes() {
    long bytes = nodes * RadixNode.SHALLOW_BYTES + tableSlots * 4 + hiWords * 8;
    EngineHashTable[] l = lookup;
    for (EngineHashTable m : l) {
      if (m != null) {
        bytes += TABLE_OVERHEAD_BYTES + 5L * m.slotCount();
        int others = m.otherCount();
        if (others > 0) {
          bytes += MAP_OVERHEAD_BYTES + MAP_ENTRY_BYTES * HashCommon.arraySize(others, 0.75f);
        }
      }
    }
    return bytes;
  }

  // ---------------------------------------------------------------- dump (owner thread)

  /**
   * The tree as stored events per target, in parent-before-child order; consecutive blocks along one path are
   * merged into one chain. Every block carries the engine hash of the target being dumped (engines seeded per
   * process, like vLLM's, give the same block a different hash on every worker). When {@code exact}, a block whose
   * target does not hold its parent (the engine evicted a parent before its child) is re-created through its
   * missing ancestors, which are then removed again at the end of that target's list, so that replaying the list
   * into an empty index rebuilds an identical tree. Without {@code exact} such a block is emitted under its
   * parent's hash (a replay drops it, as the reference).
   */
  public Map<Integer, List<KvEvent>> dump(boolean exact) {
    Map<Integer, ChainBuilder> builders = new HashMap<>();
    ArrayDeque<RadixNode> stack = new ArrayDeque<>();
    root.forEachChild(stack::push);
    while (!stack.isEmpty()) {
      RadixNode n = stack.pop();
      for (int w = 0; w < (maxTargets + 63) >>> 6; w++) {
        long bits = n.word(w);
        while (bits != 0) {
          int t = (w << 6) + Long.numberOfTrailingZeros(bits);
          bits &= bits - 1;
          builders.computeIfAbsent(t, k -> new ChainBuilder(engineHashes(k))).add(n, t, root, exact);
        }
      }
      n.forEachChild(stack::push);
    }
    Map<Integer, List<KvEvent>> out = new TreeMap<>();
    builders.forEach((t, b) -> out.put(t, b.finish()));
    return out;
  }

  /** Node → the engine hash under which the target holds it (its lookup table inverted). */
  private Reference2LongOpenHashMap<RadixNode> engineHashes(int target) {
    Reference2LongOpenHashMap<RadixNode> byNode = new Reference2LongOpenHashMap<>();
    EngineHashTable m = target < lookup.length ? lookup[target] : null;
    if (m != null) {
      m.forEach((hash, node) -> byNode.put(node, hash));
    }
    return byNode;
  }

  private static final class ChainBuilder {
    final Reference2LongOpenHashMap<RadixNode> engineHashes;
    final List<KvEvent> events = new ArrayList<>();
    final LongLinkedOpenHashSet toRemove = new LongLinkedOpenHashSet();
    RadixNode last;
    RadixNode chainParent;
    boolean underRoot;
    final LongArrayList blocks = new LongArrayList();
    final LongArrayList locals = new LongArrayList();

    ChainBuilder(Reference2LongOpenHashMap<RadixNode> engineHashes) {
      this.engineHashes = engineHashes;
    }

    /** The target's own hash of a node it holds; for a node it does not hold, the hash it was created with. */
    long hashOf(RadixNode n) {
      return engineHashes.containsKey(n) ? engineHashes.getLong(n) : n.blockHash;
    }

    void add(RadixNode n, int t, RadixNode root, boolean exact) {
      if (last != null && n.parent == last) {
        blocks.add(hashOf(n));
        locals.add(n.localHash);
        last = n;
        return;
      }
      flush();
      RadixNode p = n.parent;
      if (exact && p != root && !p.has(t)) {
        List<RadixNode> missing = new ArrayList<>();
        while (p != root && !p.has(t)) {
          missing.add(p);
          p = p.parent;
        }
        for (int i = missing.size() - 1; i >= 0; i--) {
          blocks.add(hashOf(missing.get(i)));
          locals.add(missing.get(i).localHash);
          toRemove.add(hashOf(missing.get(i)));
        }
      }
      chainParent = p;
      underRoot = p == root;
      blocks.add(hashOf(n));
      locals.add(n.localHash);
      last = n;
    }

    void flush() {
      if (blocks.isEmpty()) {
        return;
      }
      long[] b = blocks.toLongArray();
      long[] l = locals.toLongArray();
      events.add(underRoot ? KvEvent.Stored.root(b, l) : KvEvent.Stored.under(hashOf(chainParent), b, l));
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

  /**
   * A canonical text form of the whole tree (children sorted; each holder listed with the engine hash it holds the
   * block under), for tests.
   */
  public String canonical() {
    List<Reference2LongOpenHashMap<RadixNode>> hashes = new ArrayList<>();
    for (int t = 0; t < maxTargets; t++) {
      hashes.add(engineHashes(t));
    }
    StringBuilder sb = new StringBuilder();
    canonical(root, 0, hashes, sb);
    return sb.toString();
  }

  private void canonical(RadixNode n, int depth, List<Reference2LongOpenHashMap<RadixNode>> hashes,
      StringBuilder sb) {
    List<RadixNode> kids = new ArrayList<>();
    n.forEachChild(kids::add);
    kids.sort((a, b) -> Long.compareUnsigned(a.localHash, b.localHash));
    for (RadixNode k : kids) {
      sb.append(" ".repeat(depth)).append(Long.toUnsignedString(k.localHash)).append(" {");
      for (int t = 0; t < maxTargets; t++) {
        if (k.has(t)) {
          Reference2LongOpenHashMap<RadixNode> own = hashes.get(t);
          sb.append(t).append(':').append(own.containsKey(k) ? Long.toUnsignedString(own.getLong(k)) : "?")
              .append(',');
        }
      }
      sb.append("}\n");
      canonical(k, depth + 1, hashes, sb);
    }
  }
}

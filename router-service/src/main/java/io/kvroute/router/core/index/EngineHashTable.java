package io.kvroute.router.core.index;

import it.unimi.dsi.fastutil.longs.Long2ObjectMap;
import it.unimi.dsi.fastutil.longs.Long2ObjectMaps;
import it.unimi.dsi.fastutil.longs.Long2ObjectOpenHashMap;

/**
 * One target's lookup from engine block hash to node. Most engines (TensorRT-LLM, the simulated engine, SGLang,
 * vLLM with a fixed hash seed) give a block the same hash on every worker, so the key is nearly always the
 * {@link RadixNode#blockHash} the node was created with. Such entries live in an open-addressing array of nodes
 * that is its own key store: 4 bytes a slot and one cache line per probe instead of a key array plus a value
 * array. A key that differs from its node's hash (a worker seeded differently from the block's first storer)
 * goes to a fastutil map beside it. A key is in at most one of the two.
 *
 * <p>Linear probing, backward-shift deletion, load at most 1/2: 8-16 bytes per entry, against 16-32 for a fastutil
 * map. Owner thread only, except the counts ({@link #size()}, {@link #slotCount()}, {@link #otherCount()}), which
 * metrics read racily from other threads.
 */
final class EngineHashTable {

  private static final int MIN_SLOTS = 16;

  private RadixNode[] slots;
  private int inSlots;
  private Long2ObjectOpenHashMap<RadixNode> others;

  /** A table presized for {@code expected} entries without growing. */
  EngineHashTable(int expected) {
    slots = new RadixNode[slotsFor(expected)];
  }

  static int slotsFor(int expected) {
    long want = Math.max(MIN_SLOTS, (long) expected * 2);
    return (int) Math.min(1 << 30, Long.highestOneBit(want - 1) << 1);
  }

  static int spread(long key) {
    long x = key * 0x9E3779B97F4A7C15L;
    return (int) (x ^ (x >>> 29) ^ (x >>> 47));
  }

  int size() {
    Long2ObjectOpenHashMap<RadixNode> o = others;
    return inSlots + (o == null ? 0 : o.size());
  }

  boolean isEmpty() {
    return size() == 0;
  }

  int slotCount() {
    return slots.length;
  }

  int otherCount() {
    Long2ObjectOpenHashMap<RadixNode> o = others;
    return o == null ? 0 : o.size();
  }

  RadixNode get(long key) {
    RadixNode[] t = slots;
    int mask = t.length - 1;
    for (int i = spread(key) & mask; ; i = (i + 1) & mask) {
      RadixNode n = t[i];
      if (n == null) {
        break;
      }
      if (n.blockHash == key) {
        return n;
      }
    }
    Long2ObjectOpenHashMap<RadixNode> o = others;
    return o == null || o.isEmpty() ? null : o.get(key);
  }

  /** Maps the key to the node; returns the node it mapped to before, or null. */
  RadixNode put(long key, RadixNode node) {
    if (node.blockHash != key) {
      RadixNode before = removeFromSlots(key);
      if (others == null) {
        others = new Long2ObjectOpenHashMap<>();
      }
      RadixNode other = others.put(key, node);
      return before != null ? before : other;
    }
    RadixNode before = others == null || others.isEmpty() ? null : others.remove(key);
    RadixNode[] t = slots;
    int mask = t.length - 1;
    int i = spread(key) & mask;
    for (RadixNode n = t[i]; n != null; n = t[i]) {
      if (n.blockHash == key) {
        t[i] = node;
        return n;
      }
      i = (i + 1) & mask;
    }
    t[i] = node;
    if (++inSlots * 2 > t.length) {
      resize(t.length * 2);
    }
    return before;
  }

  /** Removes the key; returns the node it mapped to, or null. */
  RadixNode remove(long key) {
    RadixNode n = removeFromSlots(key);
    if (n != null) {
      return n;
    }
    Long2ObjectOpenHashMap<RadixNode> o = others;
    return o == null || o.isEmpty() ? null : o.remove(key);
  }

  private RadixNode removeFromSlots(long key) {
    RadixNode[] t = slots;
    int mask = t.length - 1;
    for (int i = spread(key) & mask; ; i = (i + 1) & mask) {
      RadixNode n = t[i];
      if (n == null) {
        return null;
      }
      if (n.blockHash == key) {
        NodeSlots.shiftOut(t, i, NodeSlots.BY_BLOCK_HASH);
        inSlots--;
        return n;
      }
    }
  }

  /** Shrinks the slots to fit {@code expected} entries (never below it) once the table is empty. */
  void trimIfEmpty(int expected) {
    if (isEmpty() && slots.length > slotsFor(expected)) {
      slots = new RadixNode[slotsFor(expected)];
      others = null;
    }
  }

  void ensureCapacity(int expected) {
    if (slotsFor(expected) > slots.length) {
      resize(slotsFor(expected));
    }
  }

  /** Visits every (engine hash, node) entry. */
  void forEach(EntryVisitor visitor) {
    for (RadixNode n : slots) {
      if (n != null) {
        visitor.visit(n.blockHash, n);
      }
    }
    if (others != null) {
      for (Long2ObjectMap.Entry<RadixNode> e : Long2ObjectMaps.fastIterable(others)) {
        visitor.visit(e.getLongKey(), e.getValue());
      }
    }
  }

  interface EntryVisitor {
    void visit(long engineHash, RadixNode node);
  }

  private void resize(int size) {
    RadixNode[] n = new RadixNode[size];
    for (RadixNode x : slots) {
      if (x != null) {
        NodeSlots.insert(n, x, NodeSlots.BY_BLOCK_HASH);
      }
    }
    slots = n;
  }
}

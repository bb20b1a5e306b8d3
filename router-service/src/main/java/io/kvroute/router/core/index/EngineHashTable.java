package io.kvroute.router.core.index;

import it.unimi.dsi.fastutil.longs.Long2ObjectMap;
import it.unimi.dsi.fastutil.longs.Long2ObjectMaps;
import it.unimi.dsi.fastutil.longs.Long2ObjectOpenHashMap;

/**
 * One target's lookup from engine block hash to node. Most engines (TensorRT-LLM, the simulated engine, SGLang,
 * vLLM with a fixed hash seed) give a block the same hash on every worker, so the key is nearly always the
 * {@link RadixNode#blockHash} the node was created with. Such entries live in an open-addressing array of nodes
 * that is its own key store: 4 bytes a slot instead of a key array plus a value array. A key that differs from its
 * node's hash (a worker seeded differently from the block's first storer) goes to a fastutil map beside it. A key
 * is in at most one of the two.
 *
 * <p>Beside each slot one tag byte: 4 bits of the key's spread hash (bits the slot index does not use) and its
 * probe distance from the home slot plus one (15 = 14 or more: the node tells), 0 = empty. A probe reads a node
 * only where fingerprint and distance both match, so misses and the other keys of a probe run never touch a node
 * (which is cold: the nodes of all targets are far larger than the caches), and backward-shift deletion moves
 * entries by their distance alone.
 *
 * <p>Linear probing, backward-shift deletion, load at most 1/2: 10-20 bytes per entry, against 16-32 for a fastutil
 * map. Owner thread only, except the counts ({@link #size()}, {@link #slotCount()}, {@link #otherCount()}), which
 * metrics read racily from other threads.
 */
final class EngineHashTable {

  private static final int MIN_SLOTS = 16;
  /** Distance field of a tag (low 4 bits): probe distance + 1; this value means 14 or more. */
  private static final int FAR = 15;

  private RadixNode[] slots;
  private byte[] tags;
  private int inSlots;
  private Long2ObjectOpenHashMap<RadixNode> others;

  /** A table presized for {@code expected} entries without growing. */
  EngineHashTable(int expected) {
    slots = new RadixNode[slotsFor(expected)];
    tags = new byte[slots.length];
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
    int i = find(key);
    if (i >= 0) {
      return slots[i];
    }
    Long2ObjectOpenHashMap<RadixNode> o = others;
    return o == null || o.isEmpty() ? null : o.get(key);
  }

  /** Fingerprint bits of a tag (high 4 bits) for a spread hash: its top bits, which slot indices use last. */
  private static int fingerprint(int spread) {
    return (spread >>> 24) & 0xF0;
  }

  private static byte tag(int fingerprint, int distance) {
    return (byte) (fingerprint | Math.min(distance + 1, FAR));
  }

  /** The slot holding the key, or -1. */
  private int find(long key) {
    int h = spread(key);
    int fp = fingerprint(h);
    byte[] g = tags;
    int mask = g.length - 1;
    for (int i = h & mask, d = 0; ; i = (i + 1) & mask, d++) {
      byte tg = g[i];
      if (tg == 0) {
        return -1;
      }
      if (tg == tag(fp, d) && slots[i].blockHash == key) {
        return i;
      }
    }
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
    int h = spread(key);
    int fp = fingerprint(h);
    byte[] g = tags;
    RadixNode[] t = slots;
    int mask = g.length - 1;
    int i = h & mask;
    int d = 0;
    for (byte tg = g[i]; tg != 0; tg = g[i]) {
      if (tg == tag(fp, d) && t[i].blockHash == key) {
        RadixNode n = t[i];
        t[i] = node;
        return n;
      }
      i = (i + 1) & mask;
      d++;
    }
    t[i] = node;
    g[i] = tag(fp, d);
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
    int i = find(key);
    if (i < 0) {
      return null;
    }
    RadixNode n = slots[i];
    shiftOut(i);
    inSlots--;
    return n;
  }

  /**
   * Empties slot {@code pos} by backward shift: each later entry of the probe run whose distance from home reaches
   * back to the hole moves into it (its distance shrinks by the gap), until an empty slot ends the run.
   */
  private void shiftOut(int pos) {
    RadixNode[] t = slots;
    byte[] g = tags;
    int mask = g.length - 1;
    int last = pos;
    for (int j = (pos + 1) & mask; ; j = (j + 1) & mask) {
      int tg = g[j] & 0xFF;
      if (tg == 0) {
        break;
      }
      int d = (tg & FAR) - 1;
      if (d == FAR - 1) {
        d = (j - spread(t[j].blockHash)) & mask;
      }
      int gap = (j - last) & mask;
      if (d >= gap) {
        t[last] = t[j];
        g[last] = tag(tg & 0xF0, d - gap);
        last = j;
      }
    }
    t[last] = null;
    g[last] = 0;
  }

  /** Shrinks the slots to fit {@code expected} entries (never below it) once the table is empty. */
  void trimIfEmpty(int expected) {
    if (isEmpty() && slots.length > slotsFor(expected)) {
      slots = new RadixNode[slotsFor(expected)];
      tags = new byte[slots.length];
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
    RadixNode[] old = slots;
    RadixNode[] t = new RadixNode[size];
    byte[] g = new byte[size];
    int mask = size - 1;
    for (RadixNode x : old) {
      if (x != null) {
        int h = spread(x.blockHash);
        int i = h & mask;
        int d = 0;
        while (g[i] != 0) {
          i = (i + 1) & mask;
          d++;
        }
        t[i] = x;
        g[i] = tag(fingerprint(h), d);
      }
    }
    slots = t;
    tags = g;
  }
}

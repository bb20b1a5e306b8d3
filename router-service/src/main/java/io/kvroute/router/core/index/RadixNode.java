package io.kvroute.router.core.index;

/**
 * One block of the prefix tree. Mutated only by the index's writer thread; readers traverse it racily under an
 * optimistic stamp, so every read path here is bounded (no unbounded probing) and tolerant of torn state.
 *
 * <p>Children: the first child sits in {@link #child}; from the second child on, all children live in an
 * open-addressing table of nodes keyed by their own {@link #localHash} (linear probing, backward-shift deletion),
 * which costs 4 bytes per slot instead of a key/value map entry. Holders: bit i of {@link #bits0} is target i
 * (&lt; 64); targets from 64 on live in {@link #bitsHi} (word w covers targets 64(w+1) .. 64(w+2)-1).
 */
final class RadixNode {

  /** Approximate shallow size of a node with compressed oops (12 header + 3×8 + 5×4). */
  static final int SHALLOW_BYTES = 56;

  final long localHash;
  long blockHash;
  RadixNode parent;
  RadixNode child;
  RadixNode[] table;
  int childCount;
  long bits0;
  long[] bitsHi;

  RadixNode(long localHash, long blockHash) {
    this.localHash = localHash;
    this.blockHash = blockHash;
  }

  static int mix(long h) {
    long x = h * 0x9E3779B97F4A7C15L;
    x ^= x >>> 32;
    return (int) (x ^ (x >>> 16));
  }

  /** The child with the given local hash, or null. Safe to call racily. */
  RadixNode find(long localHash) {
    RadixNode[] t = table;
    if (t == null) {
      RadixNode c = child;
      return c != null && c.localHash == localHash ? c : null;
    }
    int mask = t.length - 1;
    int i = mix(localHash) & mask;
    for (int probes = 0; probes <= mask; probes++) {
      RadixNode c = t[i];
      if (c == null) {
        return null;
      }
      if (c.localHash == localHash) {
        return c;
      }
      i = (i + 1) & mask;
    }
    return null;
  }

  /** Bitset word w of the holders (word 0 = targets 0..63). Safe to call racily. */
  long word(int w) {
    if (w == 0) {
      return bits0;
    }
    long[] hi = bitsHi;
    return hi != null && w - 1 < hi.length ? hi[w - 1] : 0L;
  }

  boolean has(int target) {
    return (word(target >>> 6) >>> (target & 63) & 1L) != 0;
  }

  /** Adds a holder; returns the number of bitset words allocated (0 unless the high words grew). */
  int add(int target) {
    int grown = 0;
    if (target < 64) {
      long bit = 1L << target;
      bits0 |= bit;
      return 0;
    }
    int w = (target >>> 6) - 1;
    long[] hi = bitsHi;
    if (hi == null || w >= hi.length) {
      long[] n = new long[w + 1];
      if (hi != null) {
        System.arraycopy(hi, 0, n, 0, hi.length);
        grown = n.length - hi.length;
      } else {
        grown = n.length;
      }
      hi = n;
      bitsHi = n;
    }
    long bit = 1L << (target & 63);
    hi[w] |= bit;
    return grown;
  }

  /** Removes a holder; true if it was one. */
  boolean remove(int target) {
    long bit = 1L << (target & 63);
    if (target < 64) {
      if ((bits0 & bit) == 0) {
        return false;
      }
      bits0 &= ~bit;
    } else {
      int w = (target >>> 6) - 1;
      long[] hi = bitsHi;
      if (hi == null || w >= hi.length || (hi[w] & bit) == 0) {
        return false;
      }
      hi[w] &= ~bit;
    }
    return true;
  }

  /**
   * True if some target holds the node. Relies on {@link #trimHigh} being called after every removal, so that high
   * words exist only while one of them has a bit set.
   */
  boolean held() {
    return bits0 != 0 || bitsHi != null;
  }

  /** Frees the high holder words once no high target holds the node; returns the words freed. */
  int trimHigh() {
    long[] hi = bitsHi;
    if (hi == null) {
      return 0;
    }
    for (long w : hi) {
      if (w != 0) {
        return 0;
      }
    }
    bitsHi = null;
    return hi.length;
  }

  int tableSlots() {
    RadixNode[] t = table;
    return t == null ? 0 : t.length;
  }

  /** Adds a child (its local hash must not be present). Returns the change in table slots. */
  int addChild(RadixNode c) {
    RadixNode[] t = table;
    if (t == null) {
      if (child == null) {
        child = c;
        childCount = 1;
        return 0;
      }
      RadixNode[] n = new RadixNode[4];
      NodeSlots.insert(n, child, NodeSlots.BY_LOCAL_HASH);
      NodeSlots.insert(n, c, NodeSlots.BY_LOCAL_HASH);
      table = n;
      child = null;
      childCount = 2;
      return n.length;
    }
    int delta = 0;
    if ((childCount + 1) * 3 > t.length * 2) {
      delta = rehash(t.length * 2) - t.length;
      t = table;
    }
    NodeSlots.insert(t, c, NodeSlots.BY_LOCAL_HASH);
    childCount++;
    return delta;
  }

  /** Removes a child. Returns the change in table slots. */
  int removeChild(RadixNode c) {
    RadixNode[] t = table;
    if (t == null) {
      if (child == c) {
        child = null;
        childCount = 0;
      }
      return 0;
    }
    int mask = t.length - 1;
    int pos = mix(c.localHash) & mask;
    int probes = 0;
    while (t[pos] != c) {
      if (t[pos] == null || ++probes > mask) {
        return 0;
      }
      pos = (pos + 1) & mask;
    }
    NodeSlots.shiftOut(t, pos, NodeSlots.BY_LOCAL_HASH);
    childCount--;
    if (childCount == 1) {
      RadixNode only = null;
      for (RadixNode x : t) {
        if (x != null) {
          only = x;
          break;
        }
      }
      child = only;
      table = null;
      return -t.length;
    }
    if (t.length > 8 && childCount * 8 < t.length) {
      return rehash(t.length / 2) - t.length;
    }
    return 0;
  }

  /** Visits every child (writer thread or quiescent tree). */
  void forEachChild(java.util.function.Consumer<RadixNode> visitor) {
    RadixNode[] t = table;
    if (t == null) {
      if (child != null) {
        visitor.accept(child);
      }
      return;
    }
    for (RadixNode x : t) {
      if (x != null) {
        visitor.accept(x);
      }
    }
  }

  private int rehash(int size) {
    RadixNode[] n = new RadixNode[size];
    for (RadixNode x : table) {
      if (x != null) {
        NodeSlots.insert(n, x, NodeSlots.BY_LOCAL_HASH);
      }
    }
    table = n;
    return size;
  }
}

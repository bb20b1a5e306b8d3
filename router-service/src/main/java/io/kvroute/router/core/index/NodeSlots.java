package io.kvroute.router.core.index;

/**
 * Open addressing over an array of nodes, used by a node's child table (keyed by local hash): linear probing from
 * the key's home slot, backward-shift deletion. Table lengths are powers of two and tables are never full.
 */
final class NodeSlots {

  /** The spread hash of the key a node is stored under. */
  interface Home {
    int of(RadixNode n);
  }

  static final Home BY_LOCAL_HASH = n -> RadixNode.mix(n.localHash);

  private NodeSlots() {
  }

  /** Puts a node whose key is not in the table into the first free slot from its home. */
  static void insert(RadixNode[] t, RadixNode n, Home home) {
    int mask = t.length - 1;
    int i = home.of(n) & mask;
    while (t[i] != null) {
      i = (i + 1) & mask;
    }
    t[i] = n;
  }

  /** Empties slot {@code pos}, moving back later nodes of its probe run so that every node stays reachable. */
  static void shiftOut(RadixNode[] t, int pos, Home home) {
    int mask = t.length - 1;
    for (;;) {
      int last = pos;
      pos = (last + 1) & mask;
      RadixNode curr;
      for (;;) {
        curr = t[pos];
        if (curr == null) {
          t[last] = null;
          return;
        }
        int slot = home.of(curr) & mask;
        if (last <= pos ? last >= slot || slot > pos : last >= slot && slot > pos) {
          break;
        }
        pos = (pos + 1) & mask;
      }
      t[last] = curr;
    }
  }
}

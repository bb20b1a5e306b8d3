package io.kvroute.common.event;

import java.util.Arrays;

/**
 * One KV-cache event of one (worker, dp_rank), normalised: every hash is an unsigned 64-bit value held in a
 * {@code long}. Engine block hashes are opaque keys; tokens hashes are the router-side local hashes (DESIGN §2).
 */
public sealed interface KvEvent permits KvEvent.Stored, KvEvent.Removed, KvEvent.Cleared {

  /** Event kind names as they appear on the agent→router wire. */
  String type();

  /**
   * Blocks stored as a chain under {@code parentHash} (engine hash of the parent block; absent = root).
   * {@code blockHashes[i]} is the engine hash and {@code tokensHashes[i]} the local hash of block i; both arrays
   * have the same length.
   */
  record Stored(boolean hasParent, long parentHash, long[] blockHashes, long[] tokensHashes) implements KvEvent {

    public Stored {
      if (blockHashes.length != tokensHashes.length) {
        throw new IllegalArgumentException("blockHashes and tokensHashes differ in length");
      }
      if (!hasParent) {
        parentHash = 0L;
      }
    }

    /** Stored at the root (no parent). */
    public static Stored root(long[] blockHashes, long[] tokensHashes) {
      return new Stored(false, 0L, blockHashes, tokensHashes);
    }

    /** Stored under an engine parent hash. */
    public static Stored under(long parentHash, long[] blockHashes, long[] tokensHashes) {
      return new Stored(true, parentHash, blockHashes, tokensHashes);
    }

    public int size() {
      return blockHashes.length;
    }

    @Override
    public String type() {
      return "stored";
    }

    @Override
    public boolean equals(Object o) {
      return o instanceof Stored s && s.hasParent == hasParent && s.parentHash == parentHash
          && Arrays.equals(s.blockHashes, blockHashes) && Arrays.equals(s.tokensHashes, tokensHashes);
    }

    @Override
    public int hashCode() {
      return Long.hashCode(parentHash) * 31 + Arrays.hashCode(blockHashes) * 17 + Arrays.hashCode(tokensHashes);
    }

    @Override
    public String toString() {
      return "Stored{parent=" + (hasParent ? Long.toUnsignedString(parentHash) : "none")
          + ", blocks=" + HashFormat.unsigned(blockHashes) + ", tokens=" + HashFormat.unsigned(tokensHashes) + "}";
    }
  }

  /** Blocks evicted, by engine block hash. */
  record Removed(long[] blockHashes) implements KvEvent {

    @Override
    public String type() {
      return "removed";
    }

    @Override
    public boolean equals(Object o) {
      return o instanceof Removed r && Arrays.equals(r.blockHashes, blockHashes);
    }

    @Override
    public int hashCode() {
      return Arrays.hashCode(blockHashes);
    }

    @Override
    public String toString() {
      return "Removed{blocks=" + HashFormat.unsigned(blockHashes) + "}";
    }
  }

  /** Every block of this (worker, dp_rank) is gone (engine restart or cache reset). */
  record Cleared() implements KvEvent {

    public static final Cleared INSTANCE = new Cleared();

    @Override
    public String type() {
      return "cleared";
    }
  }
}

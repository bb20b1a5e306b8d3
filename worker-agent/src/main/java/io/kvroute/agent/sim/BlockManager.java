package io.kvroute.agent.sim;

import com.dynatrace.hash4j.hashing.Hasher64;
import com.dynatrace.hash4j.hashing.Hashing;
import it.unimi.dsi.fastutil.ints.IntArrayList;
import it.unimi.dsi.fastutil.longs.Long2IntOpenHashMap;
import it.unimi.dsi.fastutil.longs.LongArrayList;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;

/**
 * The simulated engine's KV-cache block pool, modelled on TensorRT-LLM's block manager with block reuse:
 * <ul>
 *   <li>{@code numBlocks} blocks of {@code blockSize} tokens; a sequence holds one block per started block of
 *   its tokens.</li>
 *   <li>Each stored block has the engine's own chained 64-bit hash {@code XXH3(parent LE ‖ tokens u32 LE)}
 *   (seed {@link #ENGINE_SEED}, parent 0 at the root): deliberately NOT the router's hash, as in TRT-LLM.</li>
 *   <li>Prefix reuse: an admitted prompt acquires its longest chain of cached full blocks (refcount + 1).</li>
 *   <li>Blocks whose refcount drops to 0 stay cached ("free but reusable") in an LRU list, leaf first, and are
 *   evicted only when a new block is needed; eviction emits a {@code removed} event.</li>
 *   <li>Admission reserves every block a request may need (prompt + max output: TRT-LLM's default
 *   GUARANTEED_NO_EVICT capacity policy), so running requests never stall.</li>
 * </ul>
 * Not thread-safe: owned by the engine loop thread.
 */
final class BlockManager {

  /** Seed of the engine's own block hashes ("trtllm" in ASCII), distinct from the router's 1337. */
  static final long ENGINE_SEED = 0x7472746c6c6dL;

  /** Receives block-level cache events in order. */
  interface Sink {
    /** A chain of newly stored blocks under {@code parentHash} (null: root). tokens[i] may be partial. */
    void stored(Long parentHash, long[] blockHashes, int[][] tokens);

    /** Blocks evicted from the cache. */
    void removed(long[] blockHashes);
  }

  /** A sequence's hold on the pool. */
  static final class Holding {
    final IntArrayList blocks = new IntArrayList();
    /** Number of leading blocks already in the cache (matched at admission or stored since). */
    int cachedBlocks;
    /** Blocks reserved at admission and not yet allocated. */
    int reserved;
    /** Tokens covered by the blocks matched at admission. */
    int matchedTokens;
  }

  private static final VarHandle INT_LE = MethodHandles.byteArrayViewVarHandle(int[].class, ByteOrder.LITTLE_ENDIAN);
  private static final VarHandle LONG_LE = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);
  private static final int NONE = -1;

  private final int numBlocks;
  private final int blockSize;
  private final Sink sink;
  private final Hasher64 hasher = Hashing.xxh3_64(ENGINE_SEED);
  private final byte[] scratch;

  private final long[] hash;
  private final boolean[] cached;
  private final int[] refCount;
  private final int[] lruPrev;
  private final int[] lruNext;
  private final boolean[] inLru;
  private final Long2IntOpenHashMap byHash;
  private final IntArrayList clean = new IntArrayList();
  private int lruHead = NONE;
  private int lruTail = NONE;
  private int lruSize;
  private int reserved;
  private int inUse;
  private final LongArrayList pendingRemoved = new LongArrayList();

  // cumulative counters for iteration stats
  long allocTotalBlocks;
  long allocNewBlocks;
  long reusedBlocks;
  long missedBlocks;

  BlockManager(int numBlocks, int blockSize, Sink sink) {
    if (numBlocks <= 0 || blockSize <= 0) {
      throw new IllegalArgumentException("numBlocks and blockSize must be positive");
    }
    this.numBlocks = numBlocks;
    this.blockSize = blockSize;
    this.sink = sink;
    this.scratch = new byte[8 + blockSize * 4];
    this.hash = new long[numBlocks];
    this.cached = new boolean[numBlocks];
    this.refCount = new int[numBlocks];
    this.lruPrev = new int[numBlocks];
    this.lruNext = new int[numBlocks];
    this.inLru = new boolean[numBlocks];
    this.byHash = new Long2IntOpenHashMap(numBlocks);
    this.byHash.defaultReturnValue(NONE);
    for (int i = numBlocks - 1; i >= 0; i--) {
      clean.add(i);
    }
  }

  int numBlocks() {
    return numBlocks;
  }

  int blockSize() {
    return blockSize;
  }

  /** Blocks held by at least one sequence. */
  int usedBlocks() {
    return inUse;
  }

  /** Blocks not held by any sequence (clean or cached-free). */
  int freeBlocks() {
    return numBlocks - inUse;
  }

  /** Blocks that can still be promised to a new request. */
  int available() {
    return clean.size() + lruSize - reserved;
  }

  /** Cached (reusable) blocks, held or free. */
  int cachedBlockCount() {
    return byHash.size();
  }

  /** Blocks needed to hold {@code tokens} tokens. */
  int blocksFor(int tokens) {
    return (tokens + blockSize - 1) / blockSize;
  }

  /** The engine hash of a block of {@code count} tokens at {@code offset} chained under {@code parent}. */
  long engineHash(long parent, int[] tokens, int offset, int count) {
    LONG_LE.set(scratch, 0, parent);
    for (int i = 0; i < count; i++) {
      INT_LE.set(scratch, 8 + i * 4, tokens[offset + i]);
    }
    return hasher.hashBytesToLong(scratch, 0, 8 + count * 4);
  }

  /** Number of leading full blocks of {@code prompt} that are cached now. */
  int matchBlocks(int[] prompt, int length) {
    int full = length / blockSize;
    long parent = 0;
    int n = 0;
    for (; n < full; n++) {
      long h = engineHash(parent, prompt, n * blockSize, blockSize);
      if (byHash.get(h) == NONE) {
        break;
      }
      parent = h;
    }
    return n;
  }

  /**
   * Admits a sequence of {@code promptLength} prompt tokens that may grow to {@code maxTotalTokens}: acquires the
   * cached prefix and reserves every other block it may need. Returns null (and changes nothing) when the pool
   * cannot promise that many blocks now.
   */
  Holding admit(int[] prompt, int promptLength, int maxTotalTokens) {
    int matched = matchBlocks(prompt, promptLength);
    int total = Math.max(blocksFor(maxTotalTokens), matched);
    int matchedFree = 0;
    long parent = 0;
    int[] ids = new int[matched];
    for (int i = 0; i < matched; i++) {
      long h = engineHash(parent, prompt, i * blockSize, blockSize);
      ids[i] = byHash.get(h);
      if (refCount[ids[i]] == 0) {
        matchedFree++;
      }
      parent = h;
    }
    int needed = matchedFree + (total - matched);
    if (needed > available()) {
      return null;
    }
    Holding h = new Holding();
    for (int id : ids) {
      acquire(id);
      h.blocks.add(id);
    }
    h.cachedBlocks = matched;
    h.matchedTokens = matched * blockSize;
    h.reserved = total - matched;
    reserved += h.reserved;
    reusedBlocks += matched;
    missedBlocks += blocksFor(promptLength) - matched;
    allocTotalBlocks += blocksFor(promptLength);
    return h;
  }

  /** Makes sure the holding has blocks for its first {@code tokens} tokens (allocating from its reservation). */
  void ensureCapacity(Holding h, int tokens) {
    int need = blocksFor(tokens);
    while (h.blocks.size() < need) {
      if (h.reserved > 0) {
        h.reserved--;
        reserved--;
      }
      h.blocks.add(allocate());
      allocNewBlocks++;
    }
  }

  /**
   * Stores (makes reusable) every full block among the first {@code length} tokens that is not cached yet, and,
   * when {@code includePartial}, the trailing partial block as well (TRT-LLM stores it on release). Emits one
   * {@code stored} event for the new chain.
   */
  void store(Holding h, int[] tokens, int length, boolean includePartial) {
    int full = Math.min(length / blockSize, h.blocks.size());
    int upTo = full;
    boolean partial = includePartial && length % blockSize != 0 && h.blocks.size() > full;
    if (partial) {
      upTo = full + 1;
    }
    if (h.cachedBlocks >= upTo) {
      return;
    }
    long parent = 0;
    for (int i = 0; i < h.cachedBlocks; i++) {
      parent = hash[h.blocks.getInt(i)];
    }
    boolean hasParent = h.cachedBlocks > 0;
    LongArrayList newHashes = new LongArrayList();
    List<int[]> newTokens = new ArrayList<>();
    Long eventParent = hasParent ? parent : null;
    for (int i = h.cachedBlocks; i < upTo; i++) {
      int count = i < full ? blockSize : length - full * blockSize;
      long hsh = engineHash(parent, tokens, i * blockSize, count);
      int id = h.blocks.getInt(i);
      int existing = byHash.get(hsh);
      if (existing == NONE) {
        byHash.put(hsh, id);
        hash[id] = hsh;
        cached[id] = true;
        if (newHashes.isEmpty()) {
          eventParent = i == 0 ? null : parent;
        }
        newHashes.add(hsh);
        int[] t = new int[count];
        System.arraycopy(tokens, i * blockSize, t, 0, count);
        newTokens.add(t);
      } else {
        // Another sequence stored the same content meanwhile: this holding keeps its own (uncached) copy, whose
        // hash the chain of this holding's later blocks is computed from.
        hash[id] = hsh;
        if (!newHashes.isEmpty()) {
          // The chain continues through that block: close this event here.
          emitStored(eventParent, newHashes, newTokens);
        }
      }
      parent = hsh;
    }
    if (!newHashes.isEmpty()) {
      emitStored(eventParent, newHashes, newTokens);
    }
    // A partial block is cached but can still grow, so it never counts as a reusable prefix of this holding.
    h.cachedBlocks = full > h.cachedBlocks ? full : h.cachedBlocks;
  }

  private void emitStored(Long parent, LongArrayList hashes, List<int[]> tokens) {
    flushRemoved();
    sink.stored(parent, hashes.toLongArray(), tokens.toArray(new int[0][]));
    hashes.clear();
    tokens.clear();
  }

  /** Releases every block of the holding (leaf first into the LRU) and its unused reservation. */
  void release(Holding h) {
    for (int i = h.blocks.size() - 1; i >= 0; i--) {
      int id = h.blocks.getInt(i);
      if (--refCount[id] == 0) {
        inUse--;
        if (cached[id]) {
          lruAppend(id);
        } else {
          clean.add(id);
        }
      }
    }
    h.blocks.clear();
    reserved -= h.reserved;
    h.reserved = 0;
  }

  /** Emits the removals collected since the last flush as one event. */
  void flushRemoved() {
    if (!pendingRemoved.isEmpty()) {
      long[] removed = pendingRemoved.toLongArray();
      pendingRemoved.clear();
      sink.removed(removed);
    }
  }

  private void acquire(int id) {
    if (refCount[id]++ == 0) {
      inUse++;
      if (inLru[id]) {
        lruUnlink(id);
      }
    }
  }

  private int allocate() {
    int id;
    if (!clean.isEmpty()) {
      id = clean.popInt();
    } else if (lruHead != NONE) {
      id = lruHead;
      lruUnlink(id);
      byHash.remove(hash[id]);
      cached[id] = false;
      pendingRemoved.add(hash[id]);
    } else {
      throw new IllegalStateException("no free block although reserved");
    }
    refCount[id] = 1;
    inUse++;
    return id;
  }

  private void lruAppend(int id) {
    lruPrev[id] = lruTail;
    lruNext[id] = NONE;
    if (lruTail != NONE) {
      lruNext[lruTail] = id;
    } else {
      lruHead = id;
    }
    lruTail = id;
    inLru[id] = true;
    lruSize++;
  }

  private void lruUnlink(int id) {
    int p = lruPrev[id];
    int n = lruNext[id];
    if (p != NONE) {
      lruNext[p] = n;
    } else {
      lruHead = n;
    }
    if (n != NONE) {
      lruPrev[n] = p;
    } else {
      lruTail = p;
    }
    inLru[id] = false;
    lruSize--;
  }
}

package io.kvroute.perf.prompt;

import java.util.SplittableRandom;

/**
 * Maps trace block ids to deterministic token blocks: the same (seed, id) always yields the same
 * {@code blockTokens} vocabulary indexes, different ids yield different blocks (64-bit mixed seeds), so equal
 * Mooncake {@code hash_ids} become equal token prefixes and nothing else is shared by accident.
 */
public final class BlockTokenMapper {

  private final int vocabularySize;
  private final int blockTokens;
  private final long seed;

  public BlockTokenMapper(int vocabularySize, int blockTokens, long seed) {
    if (vocabularySize < 2 || blockTokens < 1) {
      throw new IllegalArgumentException("vocabularySize >= 2 and blockTokens >= 1 required");
    }
    this.vocabularySize = vocabularySize;
    this.blockTokens = blockTokens;
    this.seed = seed;
  }

  public int blockTokens() {
    return blockTokens;
  }

  /** Writes block {@code id}'s vocabulary indexes into {@code out[at .. at+count)}, count ≤ blockTokens. */
  public void fill(long id, int[] out, int at, int count) {
    SplittableRandom random = new SplittableRandom(mix(seed, id));
    for (int i = 0; i < count; i++) {
      out[at + i] = random.nextInt(vocabularySize);
    }
  }

  /** One full block. */
  public int[] block(long id) {
    int[] out = new int[blockTokens];
    fill(id, out, 0, blockTokens);
    return out;
  }

  /**
   * The vocabulary indexes of a whole prompt: the blocks of {@code ids} in order, cut to {@code length} tokens;
   * tokens beyond the last block come from {@code fillerId} (a per-request id outside the trace's id space).
   */
  public int[] prompt(long[] ids, int length, long fillerId) {
    int[] out = new int[length];
    int at = 0;
    for (int b = 0; b < ids.length && at < length; b++) {
      int n = Math.min(blockTokens, length - at);
      fill(ids[b], out, at, n);
      at += n;
    }
    if (at < length) {
      SplittableRandom random = new SplittableRandom(mix(seed ^ 0x5DEECE66DL, fillerId));
      while (at < length) {
        out[at++] = random.nextInt(vocabularySize);
      }
    }
    return out;
  }

  /** SplitMix64 finaliser over seed and id: nearby ids give unrelated streams. */
  static long mix(long seed, long id) {
    long z = seed + 0x9E3779B97F4A7C15L * (id + 1);
    z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
    z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
    return z ^ (z >>> 31);
  }
}

package io.kvroute.common.hash;

import com.dynatrace.hash4j.hashing.Hasher64;
import com.dynatrace.hash4j.hashing.Hashing;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Block hashing, bit-exact with DESIGN §2: each full block of {@code blockSize} token ids is hashed as
 * u32 little-endian bytes with XXH3-64 and a seed (1337, or 1337 + LoRA/salt hashes). A trailing partial block
 * is dropped. Sequence hashes chain local hashes: {@code s0 = h0, si = XXH3(s(i-1) LE ‖ hi LE, 1337)}.
 *
 * <p>Instances are immutable and thread-safe; the byte scratch buffer is per thread, so hashing a prompt
 * allocates only the result array.
 */
public final class BlockHasher {

  /** The base seed of every local and sequence hash. */
  public static final long BASE_SEED = 1337L;

  private static final Hasher64 BASE = Hashing.xxh3_64(BASE_SEED);
  private static final Hasher64 SEED0 = Hashing.xxh3_64(0L);
  private static final Hasher64 SEED1 = Hashing.xxh3_64(1L);
  private static final VarHandle INT_LE = MethodHandles.byteArrayViewVarHandle(int[].class, ByteOrder.LITTLE_ENDIAN);
  private static final VarHandle LONG_LE = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);
  private static final ThreadLocal<byte[]> SCRATCH = ThreadLocal.withInitial(() -> new byte[64 * 1024]);

  private final int blockSize;
  private final long seed;
  private final Hasher64 hasher;

  private BlockHasher(int blockSize, long seed) {
    if (blockSize <= 0) {
      throw new IllegalArgumentException("block size must be positive: " + blockSize);
    }
    this.blockSize = blockSize;
    this.seed = seed;
    this.hasher = seed == BASE_SEED ? BASE : Hashing.xxh3_64(seed);
  }

  /** A hasher with the base seed (no LoRA, no cache salt). */
  public static BlockHasher create(int blockSize) {
    return new BlockHasher(blockSize, BASE_SEED);
  }

  /** A hasher for the given LoRA adapter name and cache salt; null or empty means absent. */
  public static BlockHasher create(int blockSize, String loraName, String cacheSalt) {
    return new BlockHasher(blockSize, seedFor(loraName, cacheSalt));
  }

  /** A hasher with an explicit seed. */
  public static BlockHasher withSeed(int blockSize, long seed) {
    return new BlockHasher(blockSize, seed);
  }

  /** {@code 1337 + XXH3(utf8(lora), 0) + XXH3(utf8(salt), 1)}, wrapping; empty strings count as absent. */
  public static long seedFor(String loraName, String cacheSalt) {
    long seed = BASE_SEED;
    if (loraName != null && !loraName.isEmpty()) {
      seed += SEED0.hashBytesToLong(loraName.getBytes(StandardCharsets.UTF_8));
    }
    if (cacheSalt != null && !cacheSalt.isEmpty()) {
      seed += SEED1.hashBytesToLong(cacheSalt.getBytes(StandardCharsets.UTF_8));
    }
    return seed;
  }

  /** XXH3-64 of raw bytes with the given seed (the golden vector {@code "test data"} uses 1337). */
  public static long hashBytes(byte[] bytes, long seed) {
    Hasher64 h = seed == BASE_SEED ? BASE : Hashing.xxh3_64(seed);
    return h.hashBytesToLong(bytes);
  }

  public int blockSize() {
    return blockSize;
  }

  public long seed() {
    return seed;
  }

  /** Number of full blocks in a prompt of {@code numTokens} tokens. */
  public int fullBlocks(int numTokens) {
    return numTokens / blockSize;
  }

  /** Local hashes of every full block of {@code tokens}. */
  public long[] localHashes(int[] tokens) {
    return localHashes(tokens, tokens.length);
  }

  /** Local hashes of every full block among the first {@code length} tokens. */
  public long[] localHashes(int[] tokens, int length) {
    long[] out = new long[length / blockSize];
    localHashes(tokens, length, out);
    return out;
  }

  /**
   * Writes the local hashes of the full blocks among the first {@code length} tokens into {@code out} and
   * returns how many were written (at most {@code out.length}).
   */
  public int localHashes(int[] tokens, int length, long[] out) {
    int blocks = Math.min(length / blockSize, out.length);
    int blockBytes = blockSize * 4;
    byte[] scratch = scratch(blockBytes);
    int blocksPerChunk = scratch.length / blockBytes;
    int done = 0;
    while (done < blocks) {
      int chunk = Math.min(blocksPerChunk, blocks - done);
      int firstToken = done * blockSize;
      int tokenCount = chunk * blockSize;
      for (int i = 0; i < tokenCount; i++) {
        INT_LE.set(scratch, i << 2, tokens[firstToken + i]);
      }
      for (int b = 0; b < chunk; b++) {
        out[done + b] = hasher.hashBytesToLong(scratch, b * blockBytes, blockBytes);
      }
      done += chunk;
    }
    return blocks;
  }

  /** Hash of one block of exactly {@code count} tokens starting at {@code offset} (used by event normalisers). */
  public long blockHash(int[] tokens, int offset, int count) {
    byte[] scratch = scratch(count * 4);
    for (int i = 0; i < count; i++) {
      INT_LE.set(scratch, i << 2, tokens[offset + i]);
    }
    return hasher.hashBytesToLong(scratch, 0, count * 4);
  }

  /**
   * Hash of one multimodal block: tokens as u32 LE followed by the block's multimodal hashes sorted ascending
   * (unsigned) as u64 LE. With no multimodal hashes this equals {@link #blockHash}.
   */
  public long blockHash(int[] tokens, int offset, int count, long[] mmHashes) {
    if (mmHashes == null || mmHashes.length == 0) {
      return blockHash(tokens, offset, count);
    }
    long[] sorted = mmHashes.clone();
    sortUnsigned(sorted);
    int len = count * 4 + sorted.length * 8;
    byte[] scratch = scratch(len);
    for (int i = 0; i < count; i++) {
      INT_LE.set(scratch, i << 2, tokens[offset + i]);
    }
    for (int i = 0; i < sorted.length; i++) {
      LONG_LE.set(scratch, count * 4 + i * 8, sorted[i]);
    }
    return hasher.hashBytesToLong(scratch, 0, len);
  }

  /**
   * Local hashes where block {@code i} carries the multimodal hashes {@code mmHashesPerBlock[i]} (null or empty:
   * plain block). Only full blocks are hashed.
   */
  public long[] localHashes(int[] tokens, long[][] mmHashesPerBlock) {
    long[] out = new long[tokens.length / blockSize];
    for (int b = 0; b < out.length; b++) {
      long[] mm = mmHashesPerBlock != null && b < mmHashesPerBlock.length ? mmHashesPerBlock[b] : null;
      out[b] = blockHash(tokens, b * blockSize, blockSize, mm);
    }
    return out;
  }

  /** Sequence hashes of a chain of local hashes: {@code s0 = h0, si = XXH3(s(i-1) LE ‖ hi LE, 1337)}. */
  public static long[] sequenceHashes(long[] localHashes) {
    long[] out = new long[localHashes.length];
    if (out.length == 0) {
      return out;
    }
    out[0] = localHashes[0];
    byte[] pair = scratch(16);
    for (int i = 1; i < out.length; i++) {
      LONG_LE.set(pair, 0, out[i - 1]);
      LONG_LE.set(pair, 8, localHashes[i]);
      out[i] = BASE.hashBytesToLong(pair, 0, 16);
    }
    return out;
  }

  /** One step of the sequence-hash chain. */
  public static long nextSequenceHash(long previous, long local) {
    byte[] pair = scratch(16);
    LONG_LE.set(pair, 0, previous);
    LONG_LE.set(pair, 8, local);
    return BASE.hashBytesToLong(pair, 0, 16);
  }

  private static byte[] scratch(int minBytes) {
    byte[] buf = SCRATCH.get();
    if (buf.length < minBytes) {
      buf = new byte[Math.max(minBytes, buf.length * 2)];
      SCRATCH.set(buf);
    }
    return buf;
  }

  private static void sortUnsigned(long[] values) {
    for (int i = 0; i < values.length; i++) {
      values[i] ^= Long.MIN_VALUE;
    }
    Arrays.sort(values);
    for (int i = 0; i < values.length; i++) {
      values[i] ^= Long.MIN_VALUE;
    }
  }
}

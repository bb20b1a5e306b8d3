package io.kvroute.common.codec;

import io.kvroute.common.event.HashFormat;
import java.util.Arrays;
import java.util.Objects;

/**
 * One vLLM/SGLang KV event (DESIGN §3 {@code zmq}, reference notes §2.3), decoded from the map form or the
 * positional-array form. Hashes are u64 in a {@code long} (signed and unsigned wire values both map here by bit
 * reinterpretation). Fields the router does not use (lora_id, group_idx, kv_cache_spec_*, block_mm_infos, ...)
 * are read past and not kept.
 */
public sealed interface VllmEvent permits VllmEvent.BlockStored, VllmEvent.BlockRemoved, VllmEvent.AllBlocksCleared {

  /**
   * Blocks stored as a chain under {@code parentBlockHash} (null = root).
   *
   * @param blockHashes engine hashes of the stored blocks, in chain order
   * @param parentBlockHash engine hash of the parent block, or null
   * @param tokenIds the tokens of all the blocks, concatenated. Eagle bigram events ({@code [[a0,b0],[a1,b1],...]}
   *     where {@code b_i} is the next token) are flattened to the unigram sequence {@code a0..a(n-1), b(n-1)}
   *     (n+1 tokens) and flagged {@code bigram}; block i then covers {@code tokenIds[i*B .. i*B+B]} inclusive
   *     (B+1 tokens), as Dynamo's eagle hashing does
   * @param blockSize tokens per block on the engine
   * @param loraName LoRA adapter name, or null (seeds the local hash)
   * @param medium storage tier ({@code GPU}, {@code CPU_TIER1}, ...), null = device
   * @param cacheSalt cache namespace ({@code cache_salt}, a position-7 map, or a {@code dynamo-cache-salt:} extra
   *     key), or null (seeds the local hash)
   * @param bigram whether {@code tokenIds} came from eagle bigrams
   */
  record BlockStored(long[] blockHashes, Long parentBlockHash, int[] tokenIds, int blockSize, String loraName,
      String medium, String cacheSalt, boolean bigram) implements VllmEvent {

    /** A unigram (non-eagle) event. */
    public BlockStored(long[] blockHashes, Long parentBlockHash, int[] tokenIds, int blockSize, String loraName,
        String medium, String cacheSalt) {
      this(blockHashes, parentBlockHash, tokenIds, blockSize, loraName, medium, cacheSalt, false);
    }

    @Override
    public boolean equals(Object o) {
      return o instanceof BlockStored s && Arrays.equals(s.blockHashes, blockHashes)
          && Objects.equals(s.parentBlockHash, parentBlockHash) && Arrays.equals(s.tokenIds, tokenIds)
          && s.blockSize == blockSize && Objects.equals(s.loraName, loraName) && Objects.equals(s.medium, medium)
          && Objects.equals(s.cacheSalt, cacheSalt) && s.bigram == bigram;
    }

    @Override
    public int hashCode() {
      return Arrays.hashCode(blockHashes) * 31 + Arrays.hashCode(tokenIds);
    }

    @Override
    public String toString() {
      return "BlockStored{blocks=" + HashFormat.unsigned(blockHashes) + ", parent="
          + (parentBlockHash == null ? "none" : Long.toUnsignedString(parentBlockHash)) + ", tokens="
          + tokenIds.length + ", blockSize=" + blockSize + ", lora=" + loraName + ", medium=" + medium + ", salt="
          + cacheSalt + (bigram ? ", bigram" : "") + "}";
    }
  }

  /** Blocks evicted from {@code medium} (null = device). */
  record BlockRemoved(long[] blockHashes, String medium) implements VllmEvent {

    @Override
    public boolean equals(Object o) {
      return o instanceof BlockRemoved r && Arrays.equals(r.blockHashes, blockHashes)
          && Objects.equals(r.medium, medium);
    }

    @Override
    public int hashCode() {
      return Arrays.hashCode(blockHashes);
    }

    @Override
    public String toString() {
      return "BlockRemoved{blocks=" + HashFormat.unsigned(blockHashes) + ", medium=" + medium + "}";
    }
  }

  /** Every block of the engine is gone. */
  record AllBlocksCleared() implements VllmEvent {
  }
}

package io.kvroute.common.codec;

import io.kvroute.common.event.HashFormat;
import java.util.Arrays;
import java.util.Objects;

/**
 * One vLLM/SGLang KV event (DESIGN §3 {@code zmq}, reference notes §2.3), decoded from the map form or the
 * positional-array form. Hashes are u64 in a {@code long} (signed and unsigned wire values both map here by bit
 * reinterpretation). The hybrid-model and placement fields ({@code group_idx}, {@code kv_cache_spec_kind},
 * {@code kv_cache_spec_sliding_window}, {@code locality}) are kept in {@link Spec}; multimodal hashes from
 * {@code extra_keys} are kept per block. Fields the router does not use ({@code lora_id}, {@code block_mm_infos},
 * {@code source_kind}) are read past.
 */
public sealed interface VllmEvent permits VllmEvent.BlockStored, VllmEvent.BlockRemoved, VllmEvent.AllBlocksCleared {

  /**
   * Hybrid-model and placement fields of a stored/removed event (reference notes §2.3-2.4); each null when absent.
   *
   * @param groupIdx KV cache group index ({@code group_idx})
   * @param kind {@code kv_cache_spec_kind}, e.g. {@code full_attention}, {@code sliding_window}
   * @param slidingWindow {@code kv_cache_spec_sliding_window}
   * @param locality {@code LOCAL} or {@code REMOTE} (anything else is unknown)
   */
  record Spec(Integer groupIdx, String kind, Integer slidingWindow, String locality) {
    public static final Spec NONE = new Spec(null, null, null, null);

    public boolean isEmpty() {
      return groupIdx == null && kind == null && slidingWindow == null && locality == null;
    }
  }

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
   * @param mmHashes multimodal hashes per block from {@code extra_keys} (entry i for block i; null entries or a null
   *     array: no multimodal content), fed to {@code BlockHasher.blockHash(tokens, off, count, mmHashes)}
   * @param spec hybrid-model and placement fields ({@link Spec#NONE} when absent)
   */
  record BlockStored(long[] blockHashes, Long parentBlockHash, int[] tokenIds, int blockSize, String loraName,
      String medium, String cacheSalt, boolean bigram, long[][] mmHashes, Spec spec) implements VllmEvent {

    public BlockStored {
      spec = spec == null ? Spec.NONE : spec;
    }

    /** Without multimodal hashes and hybrid-model fields. */
    public BlockStored(long[] blockHashes, Long parentBlockHash, int[] tokenIds, int blockSize, String loraName,
        String medium, String cacheSalt, boolean bigram) {
      this(blockHashes, parentBlockHash, tokenIds, blockSize, loraName, medium, cacheSalt, bigram, null, Spec.NONE);
    }

    /** The multimodal hashes of block {@code i}, or null. */
    public long[] mmHashesOf(int i) {
      return mmHashes == null || i >= mmHashes.length ? null : mmHashes[i];
    }

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
          && Objects.equals(s.cacheSalt, cacheSalt) && s.bigram == bigram
          && Arrays.deepEquals(s.mmHashes, mmHashes) && s.spec.equals(spec);
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
          + cacheSalt + (bigram ? ", bigram" : "") + (mmHashes == null ? "" : ", mm") + (spec.isEmpty() ? "" : ", " + spec)
          + "}";
    }
  }

  /** Blocks evicted from {@code medium} (null = device). */
  record BlockRemoved(long[] blockHashes, String medium, Spec spec) implements VllmEvent {

    public BlockRemoved {
      spec = spec == null ? Spec.NONE : spec;
    }

    public BlockRemoved(long[] blockHashes, String medium) {
      this(blockHashes, medium, Spec.NONE);
    }

    @Override
    public boolean equals(Object o) {
      return o instanceof BlockRemoved r && Arrays.equals(r.blockHashes, blockHashes)
          && Objects.equals(r.medium, medium) && r.spec.equals(spec);
    }

    @Override
    public int hashCode() {
      return Arrays.hashCode(blockHashes);
    }

    @Override
    public String toString() {
      return "BlockRemoved{blocks=" + HashFormat.unsigned(blockHashes) + ", medium=" + medium
          + (spec.isEmpty() ? "" : ", " + spec) + "}";
    }
  }

  /** Every block of the engine is gone. */
  record AllBlocksCleared() implements VllmEvent {
  }
}

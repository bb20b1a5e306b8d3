package io.kvroute.common.codec;

import io.kvroute.common.event.HashFormat;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * One TensorRT-LLM KV-cache event as returned by {@code POST /kv_cache_events} (reference
 * trtllm-and-reference-router.md §2), decoded but not normalised: a partial last block is kept as-is, window
 * sizes are not filtered (that is the agent's job). Hashes are u64 in a {@code long}.
 * {@code windowSize} and {@code attentionDpRank} are null when the engine omits them.
 */
public sealed interface TrtllmEvent
    permits TrtllmEvent.Created, TrtllmEvent.Stored, TrtllmEvent.Removed, TrtllmEvent.Updated {

  /** Engine event id: consecutive from 0, the first is {@code created}. */
  long eventId();

  Integer windowSize();

  Integer attentionDpRank();

  /** The cache was created with this many blocks per cache level (GPU, host, ...). */
  record Created(long eventId, Integer windowSize, Integer attentionDpRank, long[] numBlocksPerCacheLevel)
      implements TrtllmEvent {

    @Override
    public boolean equals(Object o) {
      return o instanceof Created c && c.eventId == eventId && Objects.equals(c.windowSize, windowSize)
          && Objects.equals(c.attentionDpRank, attentionDpRank)
          && Arrays.equals(c.numBlocksPerCacheLevel, numBlocksPerCacheLevel);
    }

    @Override
    public int hashCode() {
      return Long.hashCode(eventId) * 31 + Arrays.hashCode(numBlocksPerCacheLevel);
    }

    @Override
    public String toString() {
      return "Created{id=" + eventId + ", window=" + windowSize + ", dp=" + attentionDpRank + ", blocks="
          + Arrays.toString(numBlocksPerCacheLevel) + "}";
    }
  }

  /** Blocks stored as a chain under {@code parentHash} (null = root). */
  record Stored(long eventId, Integer windowSize, Integer attentionDpRank, Long parentHash, List<StoredBlock> blocks)
      implements TrtllmEvent {

    public Stored {
      blocks = List.copyOf(blocks);
    }
  }

  /**
   * One stored block: the engine's {@code blockHash}, its token ids (may be fewer than the block size for the
   * last block of a sequence), cache level (0 = GPU), eviction priority, and multimodal hashes (first 16 hex
   * digits of each {@code mm_keys[].hash}; empty when none).
   */
  record StoredBlock(long blockHash, int[] tokenIds, int cacheLevel, int priority, long[] mmHashes) {

    public StoredBlock(long blockHash, int[] tokenIds) {
      this(blockHash, tokenIds, 0, 0, new long[0]);
    }

    @Override
    public boolean equals(Object o) {
      return o instanceof StoredBlock b && b.blockHash == blockHash && b.cacheLevel == cacheLevel
          && b.priority == priority && Arrays.equals(b.tokenIds, tokenIds) && Arrays.equals(b.mmHashes, mmHashes);
    }

    @Override
    public int hashCode() {
      return Long.hashCode(blockHash) * 31 + Arrays.hashCode(tokenIds);
    }

    @Override
    public String toString() {
      return "StoredBlock{hash=" + Long.toUnsignedString(blockHash) + ", tokens=" + tokenIds.length + ", level="
          + cacheLevel + ", priority=" + priority + ", mm=" + HashFormat.unsigned(mmHashes) + "}";
    }
  }

  /** Blocks evicted. */
  record Removed(long eventId, Integer windowSize, Integer attentionDpRank, long[] blockHashes)
      implements TrtllmEvent {

    @Override
    public boolean equals(Object o) {
      return o instanceof Removed r && r.eventId == eventId && Objects.equals(r.windowSize, windowSize)
          && Objects.equals(r.attentionDpRank, attentionDpRank) && Arrays.equals(r.blockHashes, blockHashes);
    }

    @Override
    public int hashCode() {
      return Long.hashCode(eventId) * 31 + Arrays.hashCode(blockHashes);
    }

    @Override
    public String toString() {
      return "Removed{id=" + eventId + ", window=" + windowSize + ", dp=" + attentionDpRank + ", blocks="
          + HashFormat.unsigned(blockHashes) + "}";
    }
  }

  /** A block's cache level or priority changed (ignored by routing). */
  record Updated(long eventId, Integer windowSize, Integer attentionDpRank, long blockHash) implements TrtllmEvent {
  }
}

package io.kvroute.common.codec;

/**
 * One element of TensorRT-LLM's {@code GET /metrics} array (iteration stats; needs
 * {@code enable_iter_perf_stats: true}). Component names are the JSON names. Nested stats are null when absent.
 *
 * @param iter iteration number
 * @param iterLatencyMS duration of the iteration in milliseconds
 * @param numActiveRequests requests being processed
 * @param numQueuedRequests requests waiting to be scheduled
 */
public record IterationStats(long iter, double iterLatencyMS, int numActiveRequests, int numQueuedRequests,
    KvCacheStats kvCacheStats, InflightBatchingStats inflightBatchingStats) {

  /**
   * KV cache manager counters: block totals ({@code maxNumBlocks = freeNumBlocks + usedNumBlocks}),
   * {@code tokensPerBlock} (the engine's block size B), allocation/reuse counters, and the cumulative hit rate 0..1.
   */
  public record KvCacheStats(long maxNumBlocks, long freeNumBlocks, long usedNumBlocks, int tokensPerBlock,
      long allocTotalBlocks, long allocNewBlocks, long reusedBlocks, long missedBlocks, double cacheHitRate) {
  }

  /** In-flight batching counters of this iteration ({@code numCtxTokens}: prefill tokens scheduled). */
  public record InflightBatchingStats(int numContextRequests, int numGenRequests, int numPausedRequests,
      int numScheduledRequests, int numCtxTokens) {
  }
}

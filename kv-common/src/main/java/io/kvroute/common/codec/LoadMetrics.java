package io.kvroute.common.codec;

/**
 * One load update of a worker (DESIGN §4, the metrics PUB on {@code 5657 + i}). The first two fields are the
 * reference format and the only required ones; the others are 0 / null when the sender omits them.
 *
 * @param numWaitingReqs requests queued in the engine, not yet scheduled ({@code num_waiting_reqs})
 * @param kvCacheUsage fraction of KV blocks in use, 0..1 ({@code kv_cache_usage})
 * @param numRunningReqs requests being decoded or prefilled ({@code num_running_reqs})
 * @param kvUsedBlocks KV blocks in use ({@code kv_used_blocks})
 * @param kvTotalBlocks KV blocks of the engine ({@code kv_total_blocks}; 0 = unknown)
 * @param workerId the sending worker's id ({@code worker_id}; null = unknown)
 * @param ts send time in seconds since the epoch ({@code ts}; 0 = unknown)
 */
public record LoadMetrics(int numWaitingReqs, double kvCacheUsage, int numRunningReqs, long kvUsedBlocks,
    long kvTotalBlocks, String workerId, double ts) {

  /** The reference two-field form. */
  public LoadMetrics(int numWaitingReqs, double kvCacheUsage) {
    this(numWaitingReqs, kvCacheUsage, 0, 0, 0, null, 0.0);
  }
}

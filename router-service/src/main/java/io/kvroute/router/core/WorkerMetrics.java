package io.kvroute.router.core;

/**
 * Latest engine-reported load of a worker (DESIGN §4 metrics message): waiting requests, KV usage 0..1,
 * running requests, used and total KV blocks.
 */
public record WorkerMetrics(int numWaitingReqs, double kvCacheUsage, int numRunningReqs, long kvUsedBlocks,
    long kvTotalBlocks) {

  public static final WorkerMetrics EMPTY = new WorkerMetrics(0, 0.0, 0, 0, 0);
}

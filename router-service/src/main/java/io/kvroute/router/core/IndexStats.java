package io.kvroute.router.core;

import java.util.Map;

/**
 * Index size and event outcome counters. {@code blocksPerTarget} counts (block, target) entries;
 * {@code dropped} is keyed by reason (e.g. {@code unknown_parent}, {@code unknown_block}, {@code self_reference}).
 */
public record IndexStats(long nodes, long entries, long approxBytes, Map<Target, Long> blocksPerTarget,
    long eventsApplied, Map<String, Long> dropped) {

  /** Approximate retained bytes per (block, target) entry (0 when empty). */
  public double bytesPerEntry() {
    return entries == 0 ? 0.0 : (double) approxBytes / entries;
  }
}

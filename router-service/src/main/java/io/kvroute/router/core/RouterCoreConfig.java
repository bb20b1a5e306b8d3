package io.kvroute.router.core;

import java.time.Duration;

/**
 * Core configuration. {@code policy} is the default policy name ({@code kv}, {@code seed}, {@code round_robin},
 * {@code random}, {@code least_loaded}); the {@code kv} cost is
 * {@code prefillLoadScale × max(0, prefillBlocks − overlapCredit × overlap) + decodeBlocks + requestWeight × active}.
 * {@code temperature} 0 = argmin; {@code seed} seeds the tie-break random generator.
 */
public record RouterCoreConfig(int blockSize, String policy, double overlapCredit, double prefillLoadScale,
    double requestWeight, double temperature, Duration requestExpiry, long seed) {

  public static RouterCoreConfig defaults(int blockSize) {
    return new RouterCoreConfig(blockSize, "kv", 1.0, 1.0, 0.0, 0.0, Duration.ofSeconds(300), System.nanoTime());
  }
}

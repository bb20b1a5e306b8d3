package io.kvroute.router.http;

import java.util.Set;

/**
 * A parsed routing request ({@code /v1/route}, {@code /v1/score}, {@code /find_best_worker}, {@code /debug/hash}).
 * Exactly one of {@code localHashes} (u64 local block hashes) and {@code tokens} is usually present; absent fields
 * are null, or -1 for {@code numTokens} and 0 for {@code expectedOutputTokens}.
 */
record RouteRequest(String requestId, long[] localHashes, int[] tokens, int numTokens, String lora, String cacheSalt,
    int expectedOutputTokens, String policy, Set<String> exclude, int blockSize) {
}

package io.kvroute.router.core;

/**
 * One routing question. {@code localHashes} are the request's full-block local hashes (router's block size),
 * {@code numTokens} the prompt length in tokens, {@code policy} null for the router's default policy.
 * {@code requestId} is used for booking (null in dry runs).
 */
public record RouteQuery(String requestId, long[] localHashes, int numTokens, int expectedOutputTokens,
    String policy) {
}

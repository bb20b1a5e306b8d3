package io.kvroute.router.core;

/** Per-candidate breakdown of a decision, for {@code /v1/score}. */
public record CandidateScore(Target target, int overlapBlocks, long treeSize, long prefillTokens,
    long decodeBlocks, int activeRequests, double cost) {
}

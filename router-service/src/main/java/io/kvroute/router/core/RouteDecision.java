package io.kvroute.router.core;

/**
 * The chosen target (null if none eligible), its matched prefix in blocks, the tokens that are cached
 * ({@code overlapBlocks × blockSize}, at most numTokens), the winning cost or logit, and the policy used.
 */
public record RouteDecision(Target target, int overlapBlocks, int cachedTokens, double cost, String policy) {
}

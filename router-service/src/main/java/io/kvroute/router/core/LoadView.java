package io.kvroute.router.core;

/** Predicted active load of one target: outstanding prefill tokens, unique active blocks, active requests. */
public record LoadView(long prefillTokens, long activeBlocks, int activeRequests) {
}

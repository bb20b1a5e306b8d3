package io.kvroute.common.tokenizer;

/**
 * Counters of a tokenizer's segment cache (see {@link ModelTokenizer#segmentCacheStats()}), cumulative since load.
 *
 * @param hits piece lookups answered from the cache
 * @param misses piece lookups that had to run the tokenizer
 * @param evictions entries dropped to stay within the bound
 * @param entries entries held now
 * @param weight size held now, in char units: key chars + 2 per token id (so 2 bytes each, about the heap used)
 * @param maxWeight the configured bound in the same units; 0 when the cache is off
 * @param uncachedTexts texts the cache encoded whole because an added token it does not reproduce
 *     (lstrip/rstrip/single_word) matched; every counter is 0 while the cache is off
 */
public record SegmentCacheStats(long hits, long misses, long evictions, long entries, long weight, long maxWeight,
    long uncachedTexts) {}

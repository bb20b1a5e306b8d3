package io.kvroute.perf.trace;

import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * The best prefix-cache hit rate a workload allows: one infinitely large cache that has seen every earlier request.
 * For each request, its leading hash blocks that appeared in any earlier request are hits (only a prefix can be
 * reused, so counting stops at the first new block), clipped to the request's input length.
 *
 * @param blockHitRate hit blocks / all blocks (the "fraction of blocks already seen earlier")
 * @param tokenHitRate hit tokens / all input tokens (comparable to cached_tokens / prompt_tokens)
 */
public record IdealHitRate(long blocks, long hitBlocks, long tokens, long hitTokens, double blockHitRate,
    double tokenHitRate) {

  public static IdealHitRate of(List<TraceRequest> requests) {
    Set<Long> seen = new HashSet<>();
    long blocks = 0;
    long hitBlocks = 0;
    long tokens = 0;
    long hitTokens = 0;
    for (TraceRequest r : requests) {
      long[] ids = r.hashIds();
      int prefix = 0;
      while (prefix < ids.length && seen.contains(ids[prefix])) {
        prefix++;
      }
      blocks += ids.length;
      hitBlocks += prefix;
      tokens += r.inputLength();
      hitTokens += Math.min((long) prefix * TraceRequest.MOONCAKE_BLOCK_TOKENS, r.inputLength());
      for (long id : ids) {
        seen.add(id);
      }
    }
    return new IdealHitRate(blocks, hitBlocks, tokens, hitTokens, ratio(hitBlocks, blocks), ratio(hitTokens, tokens));
  }

  private static double ratio(long a, long b) {
    return b == 0 ? 0.0 : (double) a / b;
  }
}

package io.kvroute.router.core;

import java.util.Map;

/** Result of a prefix match: matched leading blocks per target, and each scored target's tree size in blocks. */
public record OverlapScores(Map<Target, Integer> scores, Map<Target, Long> treeSizes) {

  public int score(Target target) {
    return scores.getOrDefault(target, 0);
  }
}

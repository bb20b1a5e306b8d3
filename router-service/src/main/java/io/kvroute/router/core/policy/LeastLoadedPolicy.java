package io.kvroute.router.core.policy;

import java.util.random.RandomGenerator;

/**
 * Baseline without any cache term: the candidate with the least predicted load in blocks,
 * {@code activePrefillTokens / blockSize + activeBlocks}; ties go to fewer active requests, then at random.
 */
public final class LeastLoadedPolicy implements Policy {

  @Override
  public String name() {
    return "least_loaded";
  }

  @Override
  public void costs(Snapshot s, double[] out) {
    for (int i = 0; i < s.size; i++) {
      out[i] = (double) s.activePrefillTokens[i] / s.blockSize + s.activeBlocks[i];
    }
  }

  @Override
  public int choose(Snapshot s, double[] costs, RandomGenerator random) {
    int chosen = -1;
    int ties = 0;
    for (int i = 0; i < s.size; i++) {
      if (chosen < 0 || costs[i] < costs[chosen]
          || (costs[i] == costs[chosen] && s.activeRequests[i] < s.activeRequests[chosen])) {
        chosen = i;
        ties = 1;
      } else if (costs[i] == costs[chosen] && s.activeRequests[i] == s.activeRequests[chosen]) {
        ties++;
        if (random.nextInt(ties) == 0) {
          chosen = i;
        }
      }
    }
    return chosen;
  }
}

package io.kvroute.router.core.policy;

import java.util.random.RandomGenerator;

/**
 * The reference router's formula, bit for bit (reference/trtllm-and-reference-router.md §1):
 * {@code overlap = matched × B / numTokens}, {@code waitingNorm = waiting / max(waiting)} (0 if that max is 0),
 * {@code logit = 2 × overlap − kvUsage − waitingNorm}, evaluated left to right in doubles as Python does; the
 * highest logit wins and ties are broken uniformly at random. The caller then bumps the winner's waiting count
 * by one until the worker's next metrics message.
 */
public final class SeedPolicy implements Policy {

  @Override
  public String name() {
    return "seed";
  }

  /** The logit of one candidate. */
  public static double logit(int matchedBlocks, int blockSize, int numTokens, double kvUsage, double waiting,
      double maxWaiting) {
    double overlap = numTokens > 0 ? (double) ((long) matchedBlocks * blockSize) / numTokens : 0.0;
    double waitingNorm = maxWaiting != 0 ? waiting / maxWaiting : 0.0;
    return 2 * overlap - kvUsage - waitingNorm;
  }

  @Override
  public void costs(Snapshot s, double[] out) {
    double maxWaiting = 0;
    for (int i = 0; i < s.size; i++) {
      maxWaiting = Math.max(maxWaiting, s.waiting[i]);
    }
    for (int i = 0; i < s.size; i++) {
      out[i] = logit(s.overlap[i], s.blockSize, s.numTokens, s.kvUsage[i], s.waiting[i], maxWaiting);
    }
  }

  @Override
  public int choose(Snapshot s, double[] costs, RandomGenerator random) {
    int chosen = -1;
    int ties = 0;
    double best = Double.NEGATIVE_INFINITY;
    for (int i = 0; i < s.size; i++) {
      if (chosen < 0 || costs[i] > best) {
        best = costs[i];
        chosen = i;
        ties = 1;
      } else if (costs[i] == best) {
        ties++;
        if (random.nextInt(ties) == 0) {
          chosen = i;
        }
      }
    }
    return chosen;
  }
}

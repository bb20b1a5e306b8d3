package io.kvroute.router.core.policy;

import java.util.random.RandomGenerator;

/**
 * Predicted-load cost (DESIGN §5, reference notes §4.3):
 * {@code cost = scale × max(0, prefillBlocks − credit × overlap) + decodeBlocks + requestWeight × activeRequests},
 * where {@code prefillBlocks = (numTokens + active prefill tokens) / blockSize} and {@code decodeBlocks} the
 * candidate's potential unique blocks. Lowest wins; ties go to the longest cached prefix (with a credit above 1 the
 * clamp at 0 makes every long enough prefix cost the same, and the worker holding more of it still computes less),
 * then to the smallest tree, then uniformly at random. With a
 * temperature above 0 the choice is a softmax over min-max-normalised costs:
 * {@code p_i ∝ exp(−(c_i − c_min) / ((c_max − c_min) · T))}, uniform if every cost is equal.
 */
public final class KvPolicy implements Policy {

  private final double credit;
  private final double scale;
  private final double requestWeight;
  private final double temperature;

  public KvPolicy(double credit, double scale, double requestWeight, double temperature) {
    this.credit = credit;
    this.scale = scale;
    this.requestWeight = requestWeight;
    this.temperature = temperature;
  }

  @Override
  public String name() {
    return "kv";
  }

  /** The cost of one candidate, in blocks. */
  public static double cost(double prefillBlocks, double overlapBlocks, double decodeBlocks, int activeRequests,
      double credit, double scale, double requestWeight) {
    return scale * Math.max(0.0, prefillBlocks - credit * overlapBlocks) + decodeBlocks
        + requestWeight * activeRequests;
  }

  @Override
  public void costs(Snapshot s, double[] out) {
    for (int i = 0; i < s.size; i++) {
      double prefillBlocks = (double) (s.numTokens + s.activePrefillTokens[i]) / s.blockSize;
      out[i] = cost(prefillBlocks, s.overlap[i], s.potentialDecodeBlocks(i), s.activeRequests[i], credit, scale,
          requestWeight);
    }
  }

  @Override
  public int choose(Snapshot s, double[] costs, RandomGenerator random) {
    if (s.size == 0) {
      return -1;
    }
    if (temperature > 0) {
      return softmax(costs, s.size, temperature, random);
    }
    double best = Double.POSITIVE_INFINITY;
    int bestOverlap = -1;
    long bestTree = Long.MAX_VALUE;
    int chosen = -1;
    int ties = 0;
    for (int i = 0; i < s.size; i++) {
      double c = costs[i];
      int overlap = s.overlap[i];
      long tree = s.treeSize[i];
      boolean better = c < best || (c == best && (overlap > bestOverlap
          || (overlap == bestOverlap && tree < bestTree)));
      if (better) {
        best = c;
        bestOverlap = overlap;
        bestTree = tree;
        chosen = i;
        ties = 1;
      } else if (c == best && overlap == bestOverlap && tree == bestTree) {
        // Reservoir sampling: each of the k tied candidates ends up chosen with probability 1/k.
        ties++;
        if (random.nextInt(ties) == 0) {
          chosen = i;
        }
      }
    }
    return chosen;
  }

  /** Samples index i with probability ∝ exp(−(c_i − min) / ((max − min) · T)). */
  static int softmax(double[] costs, int n, double temperature, RandomGenerator random) {
    double min = Double.POSITIVE_INFINITY;
    double max = Double.NEGATIVE_INFINITY;
    for (int i = 0; i < n; i++) {
      min = Math.min(min, costs[i]);
      max = Math.max(max, costs[i]);
    }
    if (max == min) {
      return random.nextInt(n);
    }
    double range = (max - min) * temperature;
    double total = 0;
    double[] w = new double[n];
    for (int i = 0; i < n; i++) {
      w[i] = Math.exp(-(costs[i] - min) / range);
      total += w[i];
    }
    double r = random.nextDouble() * total;
    for (int i = 0; i < n; i++) {
      r -= w[i];
      if (r < 0) {
        return i;
      }
    }
    return n - 1;
  }
}

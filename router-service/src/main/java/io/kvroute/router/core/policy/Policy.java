package io.kvroute.router.core.policy;

import java.util.random.RandomGenerator;

/**
 * A worker-selection policy: a pure function of a {@link Snapshot} (plus a random source for tie-breaks, and for
 * round robin its own counter). {@link #costs} fills one value per candidate in the policy's own unit;
 * {@link #choose} returns the chosen row, or -1 if the snapshot is empty.
 */
public interface Policy {

  String name();

  /** Fills {@code out[0..size)}: the kv cost, the seed logit, the least-loaded load (0 for rr and random). */
  void costs(Snapshot s, double[] out);

  /** Picks a candidate; {@code costs} must hold {@link #costs} of the same snapshot. */
  int choose(Snapshot s, double[] costs, RandomGenerator random);
}

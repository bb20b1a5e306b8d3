package io.kvroute.router.core.policy;

import java.util.random.RandomGenerator;

/** Baseline: a uniformly random candidate. */
public final class RandomPolicy implements Policy {

  @Override
  public String name() {
    return "random";
  }

  @Override
  public void costs(Snapshot s, double[] out) {
    java.util.Arrays.fill(out, 0, s.size, 0.0);
  }

  @Override
  public int choose(Snapshot s, double[] costs, RandomGenerator random) {
    return s.size == 0 ? -1 : random.nextInt(s.size);
  }
}

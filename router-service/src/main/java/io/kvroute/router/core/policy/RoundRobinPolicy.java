package io.kvroute.router.core.policy;

import java.util.concurrent.atomic.AtomicLong;
import java.util.random.RandomGenerator;

/** Baseline: the candidates in turn (the i-th decision takes candidate i mod n of its list). No cache term. */
public final class RoundRobinPolicy implements Policy {

  private final AtomicLong next = new AtomicLong();

  @Override
  public String name() {
    return "round_robin";
  }

  @Override
  public void costs(Snapshot s, double[] out) {
    java.util.Arrays.fill(out, 0, s.size, 0.0);
  }

  @Override
  public int choose(Snapshot s, double[] costs, RandomGenerator random) {
    return s.size == 0 ? -1 : (int) Math.floorMod(next.getAndIncrement(), (long) s.size);
  }
}

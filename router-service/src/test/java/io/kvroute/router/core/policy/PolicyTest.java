package io.kvroute.router.core.policy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.kvroute.router.core.RouterCoreConfig;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class PolicyTest {

  private final SplittableRandom random = new SplittableRandom(7);
  private final double[] costs = new double[8];

  /** The docs' worked example, credit 1: W1 (10, 2, 10) → 18; W2 (10, 5, 5) → 10, chosen; W3 (10, 8, 9) → 11. */
  @Test
  void shouldReproduceTheDocsWorkedExample() {
    Snapshot s = new Snapshot().reset(3, 16, 160);
    s.set(0, 2, 0, 0, 10, 0, 0, 0, 0);
    s.set(1, 5, 0, 0, 5, 0, 0, 0, 0);
    s.set(2, 8, 0, 0, 9, 0, 0, 0, 0);
    KvPolicy kv = new KvPolicy(1.0, 1.0, 0.0, 0.0);
    kv.costs(s, costs);
    assertThat(costs[0]).isEqualTo(18.0);
    assertThat(costs[1]).isEqualTo(10.0);
    assertThat(costs[2]).isEqualTo(11.0);
    assertThat(kv.choose(s, costs, random)).isEqualTo(1);
  }

  @Test
  void shouldApplyScaleCreditAndRequestWeight() {
    assertThat(KvPolicy.cost(10, 4, 3, 2, 0.5, 2.0, 1.5)).isEqualTo(2.0 * 8 + 3 + 3.0);
    assertThat(KvPolicy.cost(2, 8, 3, 0, 1.0, 1.0, 0)).isEqualTo(3.0);
  }

  /**
   * The Mooncake case (README policy comparison): a 300-block prompt, 200 blocks cached on a worker that runs four
   * long requests (3,000 active decode blocks), nothing cached on a worker running two (1,000). The docs' credit 1 /
   * scale 1 throws the cache away; the defaults keep it.
   */
  @Test
  void shouldKeepALongCachedPrefixUnderTheDefaultsWhereCreditOneScaleOneBalances() {
    Snapshot s = new Snapshot().reset(2, 32, 300 * 32);
    s.set(0, 200, 0, 0, 3000, 100, 4, 0, 0);
    s.set(1, 0, 0, 0, 1000, 300, 2, 0, 0);
    KvPolicy docs = new KvPolicy(1.0, 1.0, 0.0, 0.0);
    docs.costs(s, costs);
    assertThat(costs[0]).isEqualTo(100 + 3100.0);
    assertThat(costs[1]).isEqualTo(300 + 1300.0);
    assertThat(docs.choose(s, costs, random)).isEqualTo(1);
    RouterCoreConfig d = RouterCoreConfig.defaults(32);
    KvPolicy defaults = new KvPolicy(d.overlapCredit(), d.prefillLoadScale(), d.requestWeight(), d.temperature());
    defaults.costs(s, costs);
    assertThat(defaults.choose(s, costs, random)).isEqualTo(0);
  }

  @Test
  void shouldBreakKvTiesBySmallerTreeThenAtRandom() {
    Snapshot s = new Snapshot().reset(3, 16, 160);
    s.set(0, 0, 500, 0, 0, 10, 0, 0, 0);
    s.set(1, 0, 100, 0, 0, 10, 0, 0, 0);
    s.set(2, 0, 300, 0, 0, 10, 0, 0, 0);
    KvPolicy kv = new KvPolicy(1.0, 1.0, 0.0, 0.0);
    kv.costs(s, costs);
    assertThat(kv.choose(s, costs, random)).isEqualTo(1);
    s.treeSize[0] = 100;
    int[] hits = new int[3];
    for (int i = 0; i < 2000; i++) {
      hits[kv.choose(s, costs, random)]++;
    }
    assertThat(hits[2]).isZero();
    assertThat(hits[0]).isBetween(800, 1200);
  }

  /**
   * With the default credit (above 1) the prefill term clamps at 0 for every long enough prefix: a 36-block prompt
   * cached 31 deep on one idle worker and 27 deep on another costs the same on both. The deeper one must win,
   * whatever the trees' sizes.
   */
  @Test
  void shouldBreakKvTiesByTheLongerCachedPrefixFirst() {
    Snapshot s = new Snapshot().reset(2, 32, 36 * 32);
    s.set(0, 27, 100, 0, 0, 36, 0, 0, 0);
    s.set(1, 31, 5000, 0, 0, 36, 0, 0, 0);
    RouterCoreConfig d = RouterCoreConfig.defaults(32);
    KvPolicy kv = new KvPolicy(d.overlapCredit(), d.prefillLoadScale(), d.requestWeight(), d.temperature());
    kv.costs(s, costs);
    assertThat(costs[0]).isEqualTo(costs[1]);
    for (int i = 0; i < 100; i++) {
      assertThat(kv.choose(s, costs, random)).isEqualTo(1);
    }
  }

  @Test
  void shouldSampleBySoftmaxOverNormalisedCostWithTemperature() {
    Snapshot s = new Snapshot().reset(2, 16, 160);
    s.set(0, 0, 0, 0, 0, 10, 0, 0, 0);
    s.set(1, 0, 0, 0, 0, 30, 0, 0, 0);
    KvPolicy kv = new KvPolicy(1.0, 1.0, 0.0, 1.0);
    kv.costs(s, costs);
    int first = 0;
    for (int i = 0; i < 20_000; i++) {
      first += kv.choose(s, costs, random) == 0 ? 1 : 0;
    }
    // p0 / p1 = e at T = 1 → p0 = e / (1 + e) ≈ 0.731.
    assertThat(first / 20_000.0).isBetween(0.71, 0.75);
  }

  @Test
  void shouldComputeTheSeedLogitExactlyAsThePythonReference() {
    // 2 * (3 * 32 / 100) - 0.25 - 1 / 4, evaluated as Python floats.
    double expected = 2 * (96.0 / 100) - 0.25 - 0.25;
    assertThat(SeedPolicy.logit(3, 32, 100, 0.25, 1, 4)).isEqualTo(expected);
    assertThat(SeedPolicy.logit(0, 32, 7, 0.1, 0, 0)).isEqualTo(-0.1);
    assertThat(Double.doubleToLongBits(SeedPolicy.logit(1, 32, 3000, 0.3, 2, 3)))
        .isEqualTo(Double.doubleToLongBits(2 * (32.0 / 3000) - 0.3 - 2.0 / 3));
  }

  @Test
  void shouldPickHighestSeedLogitWithRandomTies() {
    Snapshot s = new Snapshot().reset(3, 32, 320);
    s.set(0, 2, 0, 0, 0, 0, 0, 0.5, 0);
    s.set(1, 2, 0, 0, 0, 0, 0, 0.1, 3);
    s.set(2, 0, 0, 0, 0, 0, 0, 0.0, 0);
    SeedPolicy seed = new SeedPolicy();
    seed.costs(s, costs);
    // logits: 0.4 - 0.5 - 0 = -0.1 ; 0.4 - 0.1 - 1 = -0.7 ; 0
    assertThat(seed.choose(s, costs, random)).isEqualTo(2);
    s.set(2, 2, 0, 0, 0, 0, 0, 0.5, 0);
    seed.costs(s, costs);
    int[] hits = new int[3];
    for (int i = 0; i < 1000; i++) {
      hits[seed.choose(s, costs, random)]++;
    }
    assertThat(hits[1]).isZero();
    assertThat(hits[0]).isBetween(400, 600);
  }

  @Test
  void shouldRotateAndBalanceBaselines() {
    Snapshot s = new Snapshot().reset(3, 16, 160);
    for (int i = 0; i < 3; i++) {
      s.set(i, 0, 0, 0, 0, 10, 0, 0, 0);
    }
    RoundRobinPolicy rr = new RoundRobinPolicy();
    assertThat(new int[] {rr.choose(s, costs, random), rr.choose(s, costs, random), rr.choose(s, costs, random),
        rr.choose(s, costs, random)}).containsExactly(0, 1, 2, 0);
    s.activeBlocks[0] = 5;
    s.activePrefillTokens[1] = 16;
    s.activeBlocks[2] = 2;
    LeastLoadedPolicy ll = new LeastLoadedPolicy();
    ll.costs(s, costs);
    assertThat(ll.choose(s, costs, random)).isEqualTo(1);
    assertThat(new RandomPolicy().choose(s, costs, random)).isBetween(0, 2);
  }

  @Test
  void shouldRejectUnknownPolicyNames() {
    Policies p = new Policies(RouterCoreConfig.defaults(16));
    assertThat(p.get(null, "kv").name()).isEqualTo("kv");
    assertThat(p.get("least_loaded", "kv").name()).isEqualTo("least_loaded");
    assertThatThrownBy(() -> p.get("fastest", "kv")).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("unknown policy 'fastest'").hasMessageContaining("round_robin");
  }
}

package io.kvroute.router.core.impl;

import static org.assertj.core.api.Assertions.assertThat;

import io.kvroute.common.event.KvEvent;
import io.kvroute.common.event.KvEventBatch;
import io.kvroute.common.hash.BlockHasher;
import io.kvroute.router.core.Candidate;
import io.kvroute.router.core.RouteDecision;
import io.kvroute.router.core.RouteQuery;
import io.kvroute.router.core.RouterCore;
import io.kvroute.router.core.RouterCoreConfig;
import io.kvroute.router.core.Target;
import io.kvroute.router.testing.MutableClock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * 1,000 requests share one system prompt; four equal workers; the first worker has the prompt cached at the
 * start. The simulation is what a live router sees: each request is routed and booked, its prefill finishes two
 * steps later (the engine then reports the blocks it cached as stored events, and the router marks prefill done),
 * and it is released after a random decode time, so about 20 requests are in flight at any time. Prefix caching
 * must not turn the first worker into a hot spot, under the docs' credit 1 / scale 1 and under the defaults.
 */
class HotSpotGuardTest {

  private static final int BS = 16;
  private static final int PROMPT_BLOCKS = 64;

  private record InFlight(String id, Target target, long[] locals, int prefillStep, int releaseStep) {
  }

  @Test
  void shouldNotSendMoreThan40PercentToAnyWorkerUnderKv() {
    assertNoHotSpot(simulate(kv(1.0, 1.0, 0.0)));
  }

  @Test
  void shouldNotSendMoreThan40PercentToAnyWorkerUnderTheDefaultKv() {
    RouterCoreConfig d = RouterCoreConfig.defaults(BS);
    assertNoHotSpot(simulate(kv(d.overlapCredit(), d.prefillLoadScale(), d.requestWeight())));
  }

  /** Why the defaults carry a request weight: the same credit and scale without it make the first worker a hot spot. */
  @Test
  void shouldConcentrateOnTheCachedWorkerWithoutTheRequestWeight() {
    RouterCoreConfig d = RouterCoreConfig.defaults(BS);
    Map<Target, Integer> counts = simulate(kv(d.overlapCredit(), d.prefillLoadScale(), 0.0));
    assertThat(counts.get(new Target("w0", 0))).isGreaterThan(400);
  }

  private static RouterCoreConfig kv(double credit, double scale, double requestWeight) {
    return new RouterCoreConfig(BS, "kv", credit, scale, requestWeight, 0.0, Duration.ofSeconds(300), 5);
  }

  private static void assertNoHotSpot(Map<Target, Integer> counts) {
    System.out.println("kv distribution " + counts);
    assertThat(counts.values().stream().mapToInt(Integer::intValue).sum()).isEqualTo(1000);
    for (int c : counts.values()) {
      assertThat(c).isLessThanOrEqualTo(400);
    }
  }

  private Map<Target, Integer> simulate(RouterCoreConfig config) {
    String policy = config.policy();
    MutableClock clock = new MutableClock();
    SplittableRandom rnd = new SplittableRandom(11);
    try (RouterCore core = RouterCore.create(config, clock)) {
      List<Candidate> candidates = new ArrayList<>();
      for (int w = 0; w < 4; w++) {
        candidates.add(new Candidate(new Target("w" + w, 0)));
      }
      long[] prompt = new long[PROMPT_BLOCKS];
      for (int i = 0; i < prompt.length; i++) {
        prompt[i] = 0x5EED0000L + i;
      }
      storeChain(core, "w0", prompt);
      core.barrier().join();

      Map<Target, Integer> counts = new HashMap<>();
      List<InFlight> inFlight = new ArrayList<>();
      long cachedTokens = 0;
      long promptTokens = 0;
      for (int step = 0; step < 1000 || !inFlight.isEmpty(); step++) {
        final int now = step;
        for (InFlight f : inFlight) {
          if (f.prefillStep() == now) {
            storeChain(core, f.target().workerId(), f.locals());
            core.prefillDone(f.id());
          }
        }
        inFlight.removeIf(f -> {
          if (f.releaseStep() == now) {
            core.release(f.id());
            return true;
          }
          return false;
        });
        core.barrier().join();
        if (step < 1000) {
          long[] locals = Arrays.copyOf(prompt, PROMPT_BLOCKS + 4 + rnd.nextInt(12));
          for (int i = PROMPT_BLOCKS; i < locals.length; i++) {
            locals[i] = rnd.nextLong();
          }
          int tokens = locals.length * BS + rnd.nextInt(BS);
          String id = "req-" + step;
          RouteDecision d = core.route(new RouteQuery(id, locals, tokens, 100, null), candidates);
          counts.merge(d.target(), 1, Integer::sum);
          cachedTokens += d.cachedTokens();
          promptTokens += tokens;
          inFlight.add(new InFlight(id, d.target(), locals, step + 2, step + 2 + 8 + rnd.nextInt(30)));
        }
      }
      // Sanity: the router still exploited the shared prompt (most prompt tokens were cached).
      System.out.printf("%s cached-token ratio %.3f%n", policy, (double) cachedTokens / promptTokens);
      assertThat((double) cachedTokens / promptTokens).isGreaterThan(0.7);
      assertThat(core.loads()).isEmpty();
      return counts;
    }
  }

  private static void storeChain(RouterCore core, String worker, long[] locals) {
    long[] engine = BlockHasher.sequenceHashes(locals);
    core.submit(worker, new KvEventBatch(0, List.of(KvEvent.Stored.root(engine, locals)), 0));
  }

}

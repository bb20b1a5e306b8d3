package io.kvroute.perf.stats;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import org.junit.jupiter.api.Test;

class RouterDecisionCountsTest {

  @Test
  void shouldSumDecisionsPerWorkerAndSubtractABaseline() {
    String before = """
        # HELP kvroute_router_decisions_total Routing decisions by policy and chosen worker
        # TYPE kvroute_router_decisions_total counter
        kvroute_router_decisions_total{policy="kv",worker="worker-0"} 3.0
        kvroute_router_decisions_total{policy="kv",worker="worker-1"} 1.0
        kvroute_router_decisions_total_created{policy="kv",worker="worker-1"} 1.7E9
        kvroute_router_decision_seconds_count{worker="worker-0"} 99
        """;
    String after = before.replace("} 3.0", "} 10.0").replace("worker-1\"} 1.0", "worker-1\"} 1.0\n"
        + "kvroute_router_decisions_total{policy=\"round_robin\",worker=\"worker-1\"} 4.0\n"
        + "kvroute_router_decisions_total{worker=\"worker-2\",policy=\"kv\"} 5");
    Map<String, Double> b = RouterDecisionCounts.parse(before);
    assertThat(b).containsExactlyInAnyOrderEntriesOf(Map.of("worker-0", 3.0, "worker-1", 1.0));
    Map<String, Double> a = RouterDecisionCounts.parse(after);
    assertThat(RouterDecisionCounts.delta(b, a))
        .containsExactlyInAnyOrderEntriesOf(Map.of("worker-0", 7L, "worker-1", 4L, "worker-2", 5L));
  }
}

package io.kvroute.perf.stats;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.kvroute.perf.client.RequestResult;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class SummaryBuilderTest {

  private static final long MS = 1_000_000L;

  private static RequestResult ok(int i, long ttftMs, int out, int prompt, int cached, String worker) {
    return new RequestResult(i, i * MS, 200, null, ttftMs * MS, ttftMs * MS + (out - 1) * 10 * MS,
        ttftMs * MS + (out - 1) * 10 * MS + MS, out, prompt, cached, out, worker);
  }

  @Test
  void shouldComputePercentilesOfKnownValues() {
    List<RequestResult> results = new ArrayList<>();
    for (int i = 1; i <= 100; i++) {
      results.add(ok(i, i, 11, 1000, 0, "worker-0"));
    }
    RunSummary s = SummaryBuilder.summarize("kv", "synthetic", results, Double.NaN, 0);
    assertThat(s.ttft().count()).isEqualTo(100);
    assertThat(s.ttft().p50()).isCloseTo(50, within(0.05));
    assertThat(s.ttft().p90()).isCloseTo(90, within(0.1));
    assertThat(s.ttft().p99()).isCloseTo(99, within(0.1));
    assertThat(s.ttft().max()).isCloseTo(100, within(0.1));
    assertThat(s.ttft().min()).isCloseTo(1, within(0.01));
    assertThat(s.ttft().mean()).isCloseTo(50.5, within(0.1));
    assertThat(s.itl().p50()).isCloseTo(10, within(0.01));
    assertThat(s.itl().max()).isCloseTo(10, within(0.01));
  }

  @Test
  void shouldAggregateThroughputHitRateAndWorkerShare() {
    List<RequestResult> results = List.of(
        ok(0, 10, 5, 1000, 0, "worker-0"),
        ok(1, 10, 5, 1000, 500, "worker-0"),
        ok(2, 10, 5, 1000, 1000, "worker-1"),
        new RequestResult(3, 3 * MS, 503, "HTTP 503: no worker", -1, -1, 2 * MS, 0, -1, -1, 0, null));
    RunSummary s = SummaryBuilder.summarize("kv", "trace", results, 0.8, 3);
    assertThat(s.requests()).isEqualTo(4);
    assertThat(s.errors()).isEqualTo(1);
    assertThat(s.firstError()).contains("request 3").contains("503");
    assertThat(s.promptTokens()).isEqualTo(3000);
    assertThat(s.cachedTokens()).isEqualTo(1500);
    assertThat(s.hitRate()).isCloseTo(0.5, within(1e-12));
    assertThat(s.perWorker()).containsExactlyInAnyOrderEntriesOf(Map.of("worker-0", 2L, "worker-1", 1L));
    // 3 workers known, 3 requests: mean 1, busiest 2.
    assertThat(s.maxWorkerShare()).isCloseTo(2.0, within(1e-12));
    // first send at 0, last end at 2 ms + 10 + 40 + 1 ms = 53 ms.
    assertThat(s.durationSeconds()).isCloseTo(0.053, within(1e-9));
    assertThat(s.requestThroughput()).isCloseTo(3 / 0.053, within(1e-6));
    assertThat(s.outputTokenThroughput()).isCloseTo(15 / 0.053, within(1e-6));
  }

  @Test
  void shouldDefineInterTokenLatencyOverTokensAfterTheFirst() {
    RequestResult r = new RequestResult(0, 0, 200, null, 100 * MS, 400 * MS, 410 * MS, 4, 10, 0, 4, null);
    assertThat(r.itlNanos()).isEqualTo(100 * MS);
    RequestResult single = new RequestResult(0, 0, 200, null, 100 * MS, 100 * MS, 110 * MS, 1, 10, 0, 1, null);
    assertThat(single.itlNanos()).isEqualTo(-1);
  }

  @Test
  void shouldReportNoShareWithoutWorkers() {
    assertThat(SummaryBuilder.maxShare(Map.of(), 0)).isZero();
    assertThat(SummaryBuilder.maxShare(Map.of("a", 3L, "b", 3L), 0)).isEqualTo(1.0);
  }
}

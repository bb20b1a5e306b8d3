package io.kvroute.agent.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.kvroute.common.codec.LoadMetrics;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The Prometheus text parser and the engine load read from vLLM / SGLang gauges. */
class PrometheusTextTest {

  private static final Set<String> ALL = Set.of("a", "b", "c", "vllm:x", "d");

  @Test
  void shouldReadSamplesWithLabelsEscapesSpecialValuesAndTimestamps() {
    PrometheusText.Parsed p = PrometheusText.parse("""
        # HELP a something
        # TYPE a gauge

        a 1
        a{x="1",y="q\\"uote\\\\back\\nline"} 2.5e1 1732400000000
        b{ } -3
        c{k="v",} +Inf
        vllm:x\t.5
        d NaN\r
        """, ALL);
    assertThat(p.malformedLines()).isZero();
    assertThat(p.firstError()).isNull();
    assertThat(p.get("a")).extracting(PrometheusText.Sample::value).containsExactly(1.0, 25.0);
    assertThat(p.get("a").get(1).labels()).isEqualTo(Map.of("x", "1", "y", "q\"uote\\back\nline"));
    assertThat(p.get("b").get(0).value()).isEqualTo(-3.0);
    assertThat(p.get("c").get(0).value()).isEqualTo(Double.POSITIVE_INFINITY);
    assertThat(p.get("c").get(0).labels()).containsEntry("k", "v");
    assertThat(p.get("vllm:x").get(0).value()).isEqualTo(0.5);
    assertThat(p.get("d").get(0).value()).isNaN();
  }

  @Test
  void shouldCountAndSkipMalformedLinesAndKeepReading() {
    PrometheusText.Parsed p = PrometheusText.parse(String.join("\n",
        "a{x=\"unterminated} 1",
        "a 1.0d",
        "a 0x1p3",
        "a",
        "a{x=\"1\",x=\"2\"} 1",
        "a 1 2 3",
        "a 1 12.5",
        "a{x=\"\\t\"} 1",
        "a{9x=\"1\"} 1",
        "a{x=\"1\" y=\"2\"} 1",
        "1a 1",
        "a{x=1} 1",
        "a 1e",
        "a .",
        "b 7",
        "unwanted{bad 1"), ALL);
    assertThat(p.malformedLines()).isEqualTo(15);
    assertThat(p.firstError()).startsWith("line 1:");
    assertThat(p.get("a")).isEmpty();
    assertThat(p.get("b")).extracting(PrometheusText.Sample::value).containsExactly(7.0);
  }

  @Test
  void shouldOnlyKeepWantedNames() {
    PrometheusText.Parsed p = PrometheusText.parse("a 1\nz 2\n", Set.of("a"));
    assertThat(p.samples()).containsOnlyKeys("a");
  }

  @Test
  void shouldParseValuesStrictly() {
    assertThat(PrometheusText.value("-Inf")).isEqualTo(Double.NEGATIVE_INFINITY);
    assertThat(PrometheusText.value("1E-3")).isEqualTo(0.001);
    assertThat(PrometheusText.value("+7.")).isEqualTo(7.0);
    assertThatThrownBy(() -> PrometheusText.value("1f")).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> PrometheusText.value("")).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void shouldSumCountsAndAverageUsageOverDataParallelEngines() {
    LoadMetrics l = EngineHttpProbe.toLoad(PrometheusText.parse("""
        vllm:num_requests_waiting{engine="0",model_name="m"} 2.0
        vllm:num_requests_waiting{engine="1",model_name="m"} 3.0
        vllm:num_requests_running{engine="0",model_name="m"} 4.0
        vllm:num_requests_running{engine="1",model_name="m"} 1.0
        vllm:gpu_cache_usage_perc{engine="0",model_name="m"} 0.2
        vllm:gpu_cache_usage_perc{engine="1",model_name="m"} 0.4
        """, Set.copyOf(names())));
    assertThat(l.numWaitingReqs()).isEqualTo(5);
    assertThat(l.numRunningReqs()).isEqualTo(5);
    assertThat(l.kvCacheUsage()).isCloseTo(0.3, org.assertj.core.data.Offset.offset(1e-9));
  }

  @Test
  void shouldPreferTheNewUsageNameClampAndReadSglang() {
    LoadMetrics v = EngineHttpProbe.toLoad(PrometheusText.parse("""
        vllm:num_requests_running 1
        vllm:gpu_cache_usage_perc 0.9
        vllm:kv_cache_usage_perc 1.5
        """, Set.copyOf(names())));
    assertThat(v.kvCacheUsage()).isEqualTo(1.0);
    assertThat(v.numWaitingReqs()).isZero();
    LoadMetrics s = EngineHttpProbe.toLoad(PrometheusText.parse("""
        sglang:num_queue_reqs{model_name="m"} 6
        sglang:num_running_reqs{model_name="m"} 2
        sglang:token_usage{model_name="m"} 0.5
        """, Set.copyOf(names())));
    assertThat(s).isEqualTo(new LoadMetrics(6, 0.5, 2, 0, 0, null, 0.0));
  }

  @Test
  void shouldHaveNoLoadWithoutKnownGauges() {
    assertThat(EngineHttpProbe.toLoad(PrometheusText.parse("vllm:kv_cache_usage_perc 0.5\nvllm:num_requests_running"
        + " NaN\n", Set.copyOf(names())))).isNull();
  }

  private static java.util.List<String> names() {
    java.util.List<String> n = new java.util.ArrayList<>(EngineHttpProbe.WAITING);
    n.addAll(EngineHttpProbe.RUNNING);
    n.addAll(EngineHttpProbe.USAGE);
    return n;
  }
}

package io.kvroute.agent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.kvroute.common.config.CliOptions;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class AgentConfigTest {

  private static AgentConfig parse(Map<String, String> env, String... args) throws Exception {
    return AgentConfig.from(AgentConfig.options().parse(args, env));
  }

  @Test
  void shouldDeriveIdAndPortsFromTheWorkerIndex() throws Exception {
    AgentConfig c = parse(Map.of(), "--worker-index", "2", "--router-url", "http://a:7000", "--router-url",
        "http://b:7000");
    assertThat(c.workerId()).isEqualTo("worker-2");
    assertThat(c.httpPort()).isEqualTo(8102);
    assertThat(c.kvEventsPort()).isEqualTo(5559);
    assertThat(c.metricsPort()).isEqualTo(5659);
    assertThat(c.engine()).isEqualTo("sim");
    assertThat(c.blockSize()).isEqualTo(32);
    assertThat(c.replayBuffer()).isEqualTo(4096);
    assertThat(c.routerUrls()).containsExactly("http://a:7000", "http://b:7000");
    assertThat(c.sim().numBlocks()).isEqualTo(16384);
  }

  @Test
  void shouldReadEnvironmentAndRejectIncompleteEngineSettings() throws Exception {
    AgentConfig c = parse(Map.of("KVROUTE_ENGINE", "trtllm", "KVROUTE_ENGINE_URL", "http://gpu0:8000",
        "KVROUTE_SPEEDUP", "50"), "--worker-id", "gpu-a", "--http-port", "0");
    assertThat(c.engine()).isEqualTo("trtllm");
    assertThat(c.engineUrl()).isEqualTo("http://gpu0:8000");
    assertThat(c.workerId()).isEqualTo("gpu-a");
    assertThat(c.httpPort()).isZero();
    assertThat(c.sim().speedup()).isEqualTo(50.0);
    assertThatThrownBy(() -> parse(Map.of(), "--engine", "zmq")).isInstanceOf(CliOptions.UsageException.class)
        .hasMessageContaining("--engine-events-endpoint");
    assertThatThrownBy(() -> parse(Map.of(), "--engine", "vllm")).isInstanceOf(CliOptions.UsageException.class);
  }

  @Test
  void shouldReadPerRankEndpointListsAndHttpProbes() throws Exception {
    AgentConfig c = parse(Map.of("KVROUTE_ENGINE_METRICS_URL", "http://e:8000/metrics"), "--engine", "zmq",
        "--engine-events-endpoint", "tcp://e:5555, tcp://e:5556,tcp://e:5557", "--engine-replay-endpoint",
        "tcp://e:5655,,tcp://e:5657", "--engine-health-url", "http://e:8000/health");
    assertThat(c.engineEventsEndpoints()).containsExactly("tcp://e:5555", "tcp://e:5556", "tcp://e:5557");
    assertThat(c.engineReplayEndpoints()).containsExactly("tcp://e:5655", null, "tcp://e:5657");
    assertThat(c.dpSize()).isEqualTo(3);
    assertThat(c.engineHealthUrl()).isEqualTo("http://e:8000/health");
    assertThat(c.engineMetricsUrl()).isEqualTo("http://e:8000/metrics");
    AgentConfig one = parse(Map.of(), "--engine", "zmq", "--engine-events-endpoint", "tcp://e:5555");
    assertThat(one.engineReplayEndpoints()).containsExactly((String) null);
    assertThat(one.dpSize()).isEqualTo(1);
    assertThat(one.engineHealthUrl()).isEmpty();
    assertThatThrownBy(() -> parse(Map.of(), "--engine", "zmq", "--engine-events-endpoint", "tcp://a:1,tcp://a:2",
        "--engine-replay-endpoint", "tcp://a:3")).isInstanceOf(CliOptions.UsageException.class)
        .hasMessageContaining("one endpoint per events endpoint");
    assertThatThrownBy(() -> parse(Map.of(), "--engine", "zmq", "--engine-events-endpoint", "tcp://a:1,"))
        .isInstanceOf(CliOptions.UsageException.class).hasMessageContaining("empty element");
  }

  @Test
  void shouldRejectEngineUrlsTheAgentCannotCall() throws Exception {
    for (String bad : List.of("ftp://e:8000/health", "e:8000/health", "/health", "http:///health")) {
      assertThatThrownBy(() -> parse(Map.of(), "--engine", "zmq", "--engine-events-endpoint", "tcp://e:5555",
          "--engine-health-url", bad)).as(bad).isInstanceOf(CliOptions.UsageException.class)
          .hasMessageContaining("--engine-health-url must be an absolute http(s) URL");
    }
    assertThatThrownBy(() -> parse(Map.of(), "--engine", "trtllm", "--engine-url", "localhost:8000"))
        .isInstanceOf(CliOptions.UsageException.class).hasMessageContaining("--engine-url");
    assertThatThrownBy(() -> parse(Map.of(), "--engine", "zmq", "--engine-events-endpoint", "tcp://e:5555",
        "--engine-metrics-url", "tcp://e:8000/metrics")).isInstanceOf(CliOptions.UsageException.class)
        .hasMessageContaining("--engine-metrics-url");
    assertThat(parse(Map.of(), "--engine", "trtllm", "--engine-url", "HTTPS://engine:8443/").engineUrl())
        .isEqualTo("HTTPS://engine:8443/");
  }
}

package io.kvroute.router;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.kvroute.common.config.CliOptions;
import io.kvroute.router.registry.WorkerSpec;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

class RouterConfigTest {

  private static RouterConfig parse(Map<String, String> env, String... args) throws Exception {
    return RouterConfig.from(RouterConfig.options().parse(args, env));
  }

  @Test
  void shouldBuildReferenceStaticWorkersFromBasePorts() throws Exception {
    RouterConfig c = parse(Map.of(), "--num-workers", "2", "--base-kv-events-port", "6000", "--base-metrics-port",
        "6100", "--base-agent-port", "9000");
    assertThat(c.staticWorkers()).containsExactly(
        new WorkerSpec("worker-0", "http://127.0.0.1:9000", "tcp://127.0.0.1:6000", "tcp://127.0.0.1:6100", 32,
            null, 1),
        new WorkerSpec("worker-1", "http://127.0.0.1:9001", "tcp://127.0.0.1:6001", "tcp://127.0.0.1:6101", 32,
            null, 1));
    assertThat(c.routerPort()).isEqualTo(7000);
    assertThat(c.workerTtl()).isEqualTo(Duration.ofSeconds(10));
    assertThat(c.policy()).isEqualTo("kv");
  }

  @Test
  void shouldParseExplicitWorkersAndEnvironment() throws Exception {
    RouterConfig c = parse(Map.of("KVROUTE_BLOCK_SIZE", "16", "KVROUTE_WORKER_TTL", "1500ms"),
        "--worker", "id=w0,events=tcp://h:1,metrics=tcp://h:2,url=http://h:3,dp_size=2", "--worker", "id=raw,events=tcp://e:9");
    assertThat(c.blockSize()).isEqualTo(16);
    assertThat(c.workerTtl()).isEqualTo(Duration.ofMillis(1500));
    assertThat(c.staticWorkers()).containsExactly(
        new WorkerSpec("w0", "http://h:3", "tcp://h:1", "tcp://h:2", 16, null, 2),
        new WorkerSpec("raw", null, "tcp://e:9", null, 16, null, 1));
  }

  @Test
  void shouldParseTheEngineReplayEndpointAndLiveOnlyOptions() throws Exception {
    RouterConfig c = parse(Map.of("KVROUTE_LIVE_ONLY_RETRY", "30s"), "--worker",
        "id=vllm,events=tcp://e:5557,replay=tcp://e:5558", "--live-only-after", "5");
    assertThat(c.staticWorkers()).containsExactly(
        new WorkerSpec("vllm", null, "tcp://e:5557", null, 32, null, 1, "tcp://e:5558"));
    assertThat(c.liveOnly()).isEqualTo(new RouterConfig.LiveOnly(5, Duration.ofSeconds(30)));
    assertThat(parse(Map.of()).liveOnly()).isEqualTo(RouterConfig.LiveOnly.DEFAULT);
    assertThat(c.staticWorkers().get(0).sameEndpoints(new WorkerSpec("vllm", null, "tcp://e:5557", null, 32, null,
        1))).isFalse();
  }

  @Test
  void shouldRejectBadOptions() {
    assertThatThrownBy(() -> parse(Map.of(), "--worker", "events=tcp://h:1"))
        .isInstanceOf(CliOptions.UsageException.class).hasMessageContaining("id=");
    assertThatThrownBy(() -> parse(Map.of(), "--worker", "id=a,colour=red"))
        .isInstanceOf(CliOptions.UsageException.class);
    assertThatThrownBy(() -> parse(Map.of(), "--policy", "fastest")).isInstanceOf(CliOptions.UsageException.class);
    assertThatThrownBy(() -> parse(Map.of(), "--worker-ttl", "soon")).isInstanceOf(CliOptions.UsageException.class);
    assertThatThrownBy(() -> parse(Map.of(), "--num-workers", "1", "--worker", "id=worker-0"))
        .isInstanceOf(CliOptions.UsageException.class).hasMessageContaining("unique");
  }
}

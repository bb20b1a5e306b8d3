package io.kvroute.perf.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Checks that the compose topology agrees with itself and with the CLI contract (TEAM.md): ports, URLs, block
 * sizes, worker ids, GPU pinning, and that every KVROUTE_* variable is an option the service really has.
 */
class ComposeConsistencyTest {

  private static final Path ROOT = RepoPaths.root();

  /** Options of the shared CLI contract, per service (as KVROUTE_* environment names). */
  private static final Set<String> AGENT = env("worker-index", "worker-id", "engine", "engine-url",
      "engine-events-endpoint", "engine-replay-endpoint", "http-port", "kv-events-port", "metrics-port",
      "block-size", "model", "router-url", "advertise-host", "replay-buffer", "num-blocks", "max-batch-size",
      "max-num-tokens", "speedup");
  private static final Set<String> ROUTER = env("router-port", "block-size", "num-workers", "base-kv-events-port",
      "base-metrics-port", "base-agent-port", "worker", "policy", "worker-ttl", "host", "cluster", "cluster-members",
      "cluster-name", "cluster-port", "replica-id");
  private static final Set<String> GATEWAY = env("http-port", "router-url", "block-size", "model", "tokenizer-dir",
      "max-model-len", "default-max-tokens", "api-key", "api-key-file", "fallback-policy", "max-retries");

  private static Set<String> env(String... flags) {
    Set<String> s = new HashSet<>();
    for (String f : flags) {
      s.add("KVROUTE_" + f.toUpperCase(java.util.Locale.ROOT).replace('-', '_'));
    }
    return s;
  }

  @Test
  void shouldKeepTheCommittedTopologyConsistent() throws Exception {
    check(ComposeModel.load(ROOT.resolve("deploy/docker-compose.yml")), 2, 32);
  }

  @Test
  void shouldKeepGeneratedTopologiesConsistent(@TempDir Path dir) throws Exception {
    RepoPaths.Result gen = RepoPaths.run(ROOT, "bash", "deploy/gen-compose.sh", "4", "--out-dir", dir.toString(),
        "--block-size", "16");
    assertThat(gen.exit()).as(gen.output()).isZero();
    check(ComposeModel.load(dir.resolve("docker-compose.yml")), 4, 16);
  }

  @Test
  void shouldMatchWhatTheGeneratorWritesForTwoGpus(@TempDir Path dir) throws Exception {
    RepoPaths.Result gen = RepoPaths.run(ROOT, "bash", "deploy/gen-compose.sh", "2", "--out-dir", dir.toString());
    assertThat(gen.exit()).as(gen.output()).isZero();
    assertThat(withoutContext(Files.readString(dir.resolve("docker-compose.yml"))))
        .as("deploy/docker-compose.yml must be regenerated with deploy/gen-compose.sh 2")
        .isEqualTo(withoutContext(Files.readString(ROOT.resolve("deploy/docker-compose.yml"))));
    assertThat(Files.readString(dir.resolve("trtllm/extra-llm-api-options.yml")))
        .isEqualTo(Files.readString(ROOT.resolve("deploy/trtllm/extra-llm-api-options.yml")));
  }

  @Test
  void shouldBuildEveryServiceImageInTwoStagesAsANonRootUserWithAHealthCheck() throws Exception {
    for (String module : List.of("worker-agent", "router-service", "api-gateway")) {
      String df = Files.readString(ROOT.resolve("deploy/docker/Dockerfile." + module));
      assertThat(df.lines().filter(l -> l.startsWith("FROM ")).count()).as(module).isEqualTo(2);
      assertThat(df).as(module).contains("-pl " + module + " -am package")
          .contains("COPY --from=build").contains("HEALTHCHECK").contains("/health")
          .contains("ENTRYPOINT [\"java\", \"-jar\", \"/app/" + module + ".jar\"]");
      String user = df.lines().filter(l -> l.startsWith("USER ")).findFirst().orElseThrow();
      assertThat(user).isNotIn("USER root", "USER 0");
      assertThat(ROOT.resolve(module).resolve(".service-jar")).exists();
    }
  }

  private static String withoutContext(String yaml) {
    return yaml.replaceAll("(?m)^\\s+context: .*$", "");
  }

  private static void check(ComposeModel m, int gpus, int blockSize) throws Exception {
    // Router and gateway: ports published as configured, the gateway points at the router.
    int routerPort = m.envInt("router-service", "KVROUTE_ROUTER_PORT");
    assertThat(m.ports("router-service")).anySatisfy(p -> assertThat(p[1]).isEqualTo(routerPort));
    assertThat(m.envString("router-service", "KVROUTE_HOST")).isEqualTo("0.0.0.0");
    assertThat(m.envInt("api-gateway", "KVROUTE_HTTP_PORT")).isEqualTo(8000);
    assertThat(m.ports("api-gateway")).anySatisfy(p -> assertThat(p).containsExactly(8000, 8000));
    URI routerUrl = URI.create(m.envString("api-gateway", "KVROUTE_ROUTER_URL"));
    assertThat(routerUrl.getHost()).isEqualTo("router-service");
    assertThat(routerUrl.getPort()).isEqualTo(routerPort);
    assertThat(m.profiles("router-service")).isEmpty();
    assertThat(m.profiles("api-gateway")).isEmpty();
    assertOptions(m, "router-service", ROUTER);
    assertOptions(m, "api-gateway", GATEWAY);
    assertThat(m.envInt("router-service", "KVROUTE_BLOCK_SIZE")).isEqualTo(blockSize);
    assertThat(m.envInt("api-gateway", "KVROUTE_BLOCK_SIZE")).isEqualTo(blockSize);

    // TensorRT-LLM options: KV events, iteration stats, tokens_per_block = router block size.
    Path options = m.file().getParent().resolve("trtllm/extra-llm-api-options.yml");
    Map<String, Object> llm = ComposeModel.loadMap(options);
    assertThat(llm.get("enable_iter_perf_stats")).isEqualTo(true);
    @SuppressWarnings("unchecked")
    Map<String, Object> kv = (Map<String, Object>) llm.get("kv_cache_config");
    assertThat(kv.get("enable_block_reuse")).isEqualTo(true);
    assertThat((Integer) kv.get("event_buffer_max_size")).isPositive();
    assertThat(kv.get("tokens_per_block")).isEqualTo(blockSize);

    Set<String> gpuIds = new TreeSet<>();
    for (String profile : List.of("gpu", "sim")) {
      Set<String> ids = new HashSet<>();
      Set<Integer> hostPorts = new HashSet<>(List.of(8000, routerPort));
      for (int i = 0; i < gpus; i++) {
        String agent = (profile.equals("gpu") ? "worker-agent-" : "sim-agent-") + i;
        assertThat(m.profiles(agent)).containsExactly(profile);
        assertOptions(m, agent, AGENT);
        assertThat(m.envInt(agent, "KVROUTE_WORKER_INDEX")).isEqualTo(i);
        assertThat(ids.add(m.envString(agent, "KVROUTE_WORKER_ID"))).as("unique worker id").isTrue();
        int http = m.envInt(agent, "KVROUTE_HTTP_PORT");
        assertThat(http).isEqualTo(8100 + i);
        assertThat(m.envInt(agent, "KVROUTE_KV_EVENTS_PORT")).isEqualTo(5557 + i);
        assertThat(m.envInt(agent, "KVROUTE_METRICS_PORT")).isEqualTo(5657 + i);
        assertThat(m.ports(agent)).anySatisfy(p -> assertThat(p[1]).isEqualTo(http));
        for (int[] p : m.ports(agent)) {
          assertThat(hostPorts.add(p[0])).as("host port %d published twice in profile %s", p[0], profile).isTrue();
        }
        assertThat(m.envInt(agent, "KVROUTE_BLOCK_SIZE")).isEqualTo(blockSize);
        assertThat(m.envString(agent, "KVROUTE_MODEL")).isEqualTo(m.envString("api-gateway", "KVROUTE_MODEL"));
        assertThat(m.envString(agent, "KVROUTE_ROUTER_URL")).isEqualTo(routerUrl.toString());
        assertThat(m.envString(agent, "KVROUTE_ADVERTISE_HOST")).isEqualTo(agent);
        assertThat(m.dependsOn(agent)).containsKey("router-service");
        if (profile.equals("sim")) {
          assertThat(m.envString(agent, "KVROUTE_ENGINE")).isEqualTo("sim");
          assertThat(m.gpuDeviceIds(agent)).isEmpty();
          continue;
        }
        String engine = "trtllm-" + i;
        assertThat(m.envString(agent, "KVROUTE_ENGINE")).isEqualTo("trtllm");
        assertThat(m.dependsOn(agent)).containsKey(engine);
        assertThat(m.profiles(engine)).containsExactly("gpu");
        URI engineUrl = URI.create(m.envString(agent, "KVROUTE_ENGINE_URL"));
        assertThat(engineUrl.getHost()).isEqualTo(engine);
        List<String> cmd = m.command(engine);
        assertThat(cmd).startsWith("trtllm-serve").contains("--port=" + engineUrl.getPort())
            .contains(m.envString(agent, "KVROUTE_MODEL"))
            .contains("--extra_llm_api_options=/config/extra-llm-api-options.yml");
        assertThat(m.volumes(engine)).contains("./trtllm/extra-llm-api-options.yml:/config/extra-llm-api-options.yml:ro");
        assertThat(m.gpuDeviceIds(engine)).containsExactly(Integer.toString(i));
        assertThat(gpuIds.add(Integer.toString(i))).isTrue();
      }
      assertThat(ids).hasSize(gpus);
    }
    assertThat(gpuIds).hasSize(gpus);
  }

  private static void assertOptions(ComposeModel m, String service, Set<String> allowed) {
    for (String key : m.env(service).keySet()) {
      if (key.startsWith("KVROUTE_")) {
        assertThat(allowed).as("%s: %s is not an option of that service (TEAM.md contract)", service, key)
            .contains(key);
      }
    }
  }
}

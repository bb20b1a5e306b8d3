package io.kvroute.agent;

import io.kvroute.agent.engine.EngineHttp;
import io.kvroute.agent.sim.SimConfig;
import io.kvroute.common.config.CliOptions;
import java.util.List;

/**
 * Immutable configuration of one worker agent (shared CLI contract in TEAM.md; every option also reads
 * {@code KVROUTE_<NAME>}).
 *
 * @param workerIndex          i: default ports are 8100+i, 5557+i, 5657+i
 * @param workerId             worker id string (topic of the KV stream)
 * @param engine               sim | trtllm | zmq
 * @param engineUrl            trtllm-serve base URL (trtllm; for zmq: optional OpenAI URL for the proxy)
 * @param engineEventsEndpoint zmq: the engine's PUB endpoint, or a comma-separated list, one per data-parallel rank
 *                             in rank order (see {@link #engineEventsEndpoints()})
 * @param engineReplayEndpoint zmq: the engine's replay (ROUTER) endpoint, empty = none; with several event endpoints
 *                             a list of the same length (an empty element = no replay for that rank)
 * @param httpPort             agent HTTP port (0 = ephemeral)
 * @param kvEventsPort         ZMQ PUB port for KV batches (0 = ephemeral)
 * @param metricsPort          ZMQ PUB port for load metrics (0 = ephemeral)
 * @param blockSize            tokens per KV block B
 * @param model                served model name
 * @param routerUrls           routers to register with (heartbeat every 2 s)
 * @param advertiseHost        host put in the URLs and endpoints announced to routers
 * @param bindHost             address the HTTP server and ZMQ sockets bind
 * @param replayBuffer         batches kept for {@code /v1/kv/events}
 * @param tokenizerDir         HF tokenizer directory for the sim engine (empty = bundled)
 * @param sim                  the embedded simulated engine's settings (engine = sim)
 * @param engineHealthUrl      zmq: the engine's HTTP health endpoint (e.g. vLLM's {@code /health}), empty = none:
 *                             the engine then counts as up while every SUB socket is connected
 * @param engineMetricsUrl     zmq: the engine's Prometheus {@code /metrics}, empty = none: the load is then the
 *                             agent's own count of proxied requests in flight
 */
public record AgentConfig(int workerIndex, String workerId, String engine, String engineUrl,
    String engineEventsEndpoint, String engineReplayEndpoint, int httpPort, int kvEventsPort, int metricsPort,
    int blockSize, String model, List<String> routerUrls, String advertiseHost, String bindHost, int replayBuffer,
    String tokenizerDir, SimConfig sim, String engineHealthUrl, String engineMetricsUrl) {

  public AgentConfig {
    routerUrls = List.copyOf(routerUrls);
    engineHealthUrl = engineHealthUrl == null ? "" : engineHealthUrl.trim();
    engineMetricsUrl = engineMetricsUrl == null ? "" : engineMetricsUrl.trim();
    if (!List.of("sim", "trtllm", "zmq").contains(engine)) {
      throw new IllegalArgumentException("--engine must be sim, trtllm or zmq, got '" + engine + "'");
    }
    if ("trtllm".equals(engine) && (engineUrl == null || engineUrl.isEmpty())) {
      throw new IllegalArgumentException("--engine trtllm needs --engine-url");
    }
    if ("zmq".equals(engine) && (engineEventsEndpoint == null || engineEventsEndpoint.isEmpty())) {
      throw new IllegalArgumentException("--engine zmq needs --engine-events-endpoint");
    }
    requireHttpUrl("--engine-url", engineUrl);
    requireHttpUrl("--engine-health-url", engineHealthUrl);
    requireHttpUrl("--engine-metrics-url", engineMetricsUrl);
    if (blockSize <= 0 || replayBuffer <= 0) {
      throw new IllegalArgumentException("--block-size and --replay-buffer must be positive");
    }
    if ("zmq".equals(engine)) {
      List<String> events = split(engineEventsEndpoint);
      List<String> replay = split(engineReplayEndpoint);
      if (events.stream().anyMatch(String::isEmpty)) {
        throw new IllegalArgumentException("--engine-events-endpoint has an empty element: '" + engineEventsEndpoint
            + "'");
      }
      if (!replay.isEmpty() && replay.size() != events.size()) {
        throw new IllegalArgumentException("--engine-replay-endpoint must list one endpoint per events endpoint ("
            + events.size() + "), got " + replay.size());
      }
    }
  }

  /** Configuration without the zmq engine's HTTP probes (no health URL, no metrics URL). */
  public AgentConfig(int workerIndex, String workerId, String engine, String engineUrl, String engineEventsEndpoint,
      String engineReplayEndpoint, int httpPort, int kvEventsPort, int metricsPort, int blockSize, String model,
      List<String> routerUrls, String advertiseHost, String bindHost, int replayBuffer, String tokenizerDir,
      SimConfig sim) {
    this(workerIndex, workerId, engine, engineUrl, engineEventsEndpoint, engineReplayEndpoint, httpPort, kvEventsPort,
        metricsPort, blockSize, model, routerUrls, advertiseHost, bindHost, replayBuffer, tokenizerDir, sim, "", "");
  }

  /** zmq: the engine's event endpoints, element k = data-parallel rank k. */
  public List<String> engineEventsEndpoints() {
    return split(engineEventsEndpoint);
  }

  /** zmq: the replay endpoint of each rank (same length as {@link #engineEventsEndpoints()}; null = none). */
  public List<String> engineReplayEndpoints() {
    List<String> replay = split(engineReplayEndpoint);
    int n = engineEventsEndpoints().size();
    java.util.ArrayList<String> out = new java.util.ArrayList<>(n);
    for (int k = 0; k < n; k++) {
      out.add(replay.isEmpty() || replay.get(k).isEmpty() ? null : replay.get(k));
    }
    return out;
  }

  /** Data-parallel ranks served by this worker: one per zmq events endpoint, else 1. */
  public int dpSize() {
    return "zmq".equals(engine) ? Math.max(1, engineEventsEndpoints().size()) : 1;
  }

  private static List<String> split(String list) {
    if (list == null || list.isBlank()) {
      return List.of();
    }
    return java.util.Arrays.stream(list.split(",", -1)).map(String::trim).toList();
  }

  public static CliOptions options() {
    return CliOptions.create("AgentMain", "kvroute worker agent: engine adapter, KV event publisher, proxy.")
        .option("worker-index", "0", "worker index i (default ports 8100+i, 5557+i, 5657+i)")
        .option("worker-id", null, "worker id (default worker-<i>)")
        .option("engine", "sim", "engine kind: sim | trtllm | zmq")
        .option("engine-url", "", "trtllm-serve base URL (trtllm), or the engine's OpenAI URL (zmq, optional)")
        .option("engine-events-endpoint", "", "zmq: the engine's KV event PUB endpoint, e.g. tcp://127.0.0.1:5555;"
            + " data-parallel engines: comma-separated, one per dp rank in rank order")
        .option("engine-replay-endpoint", "", "zmq: the engine's replay endpoint (optional); with several event"
            + " endpoints a comma-separated list of the same length")
        .option("engine-health-url", "", "zmq: the engine's HTTP health URL, e.g. http://127.0.0.1:8000/health"
            + " (optional; without it the engine counts as up while its event sockets are connected)")
        .option("engine-metrics-url", "", "zmq: the engine's Prometheus metrics URL, e.g. http://127.0.0.1:8000/metrics"
            + " (optional; without it the load is the agent's proxied requests in flight)")
        .option("http-port", null, "agent HTTP port (default 8100+i; 0 = ephemeral)")
        .option("kv-events-port", null, "ZMQ PUB port for KV events (default 5557+i; 0 = ephemeral)")
        .option("metrics-port", null, "ZMQ PUB port for load metrics (default 5657+i; 0 = ephemeral)")
        .option("block-size", "32", "tokens per KV block")
        .option("model", SimConfig.DEFAULT_MODEL, "model name")
        .repeatable("router-url", "router base URL to register with (repeatable)")
        .option("advertise-host", "127.0.0.1", "host announced to routers")
        .option("bind-host", "0.0.0.0", "address to bind HTTP and ZMQ")
        .option("replay-buffer", "4096", "published batches kept for /v1/kv/events")
        .option("tokenizer-dir", "", "sim engine: HF tokenizer directory (empty = bundled Qwen2.5)")
        .option("num-blocks", "16384", "sim engine: KV capacity in blocks")
        .option("max-batch-size", "64", "sim engine: most requests per step")
        .option("max-num-tokens", "8192", "sim engine: most tokens per step")
        .option("speedup", "1.0", "sim engine: divide simulated durations by this");
  }

  public static AgentConfig from(CliOptions.Parsed p) throws CliOptions.UsageException {
    int i = p.integer("worker-index");
    String id = p.has("worker-id") && !p.string("worker-id").isEmpty() ? p.string("worker-id") : "worker-" + i;
    int http = p.has("http-port") ? p.integer("http-port") : 8100 + i;
    int kv = p.has("kv-events-port") ? p.integer("kv-events-port") : 5557 + i;
    int mp = p.has("metrics-port") ? p.integer("metrics-port") : 5657 + i;
    int blockSize = p.integer("block-size");
    String model = p.string("model");
    SimConfig sim = new SimConfig("127.0.0.1", 0, model, blockSize, p.integer("num-blocks"),
        p.integer("max-batch-size"), p.integer("max-num-tokens"), p.decimal("speedup"), 32768, 100_000, 32768);
    try {
      return new AgentConfig(i, id, p.string("engine"), p.string("engine-url"), p.string("engine-events-endpoint"),
          p.string("engine-replay-endpoint"), http, kv, mp, blockSize, model, p.list("router-url"),
          p.string("advertise-host"), p.string("bind-host"), p.integer("replay-buffer"), p.string("tokenizer-dir"),
          sim, p.string("engine-health-url"), p.string("engine-metrics-url"));
    } catch (IllegalArgumentException e) {
      throw new CliOptions.UsageException(e.getMessage());
    }
  }

  /** Empty (not set) or a URL the agent's engine calls accept ({@link EngineHttp#url}). */
  private static void requireHttpUrl(String flag, String url) {
    if (url == null || url.isEmpty()) {
      return;
    }
    try {
      EngineHttp.url(url);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(flag + " must be an absolute http(s) URL, got '" + url + "'");
    }
  }
}

package io.kvroute.agent;

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
 * @param engineEventsEndpoint zmq: the engine's PUB endpoint
 * @param engineReplayEndpoint zmq: the engine's replay (ROUTER) endpoint, empty = none
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
 */
public record AgentConfig(int workerIndex, String workerId, String engine, String engineUrl,
    String engineEventsEndpoint, String engineReplayEndpoint, int httpPort, int kvEventsPort, int metricsPort,
    int blockSize, String model, List<String> routerUrls, String advertiseHost, String bindHost, int replayBuffer,
    String tokenizerDir, SimConfig sim) {

  public AgentConfig {
    routerUrls = List.copyOf(routerUrls);
    if (!List.of("sim", "trtllm", "zmq").contains(engine)) {
      throw new IllegalArgumentException("--engine must be sim, trtllm or zmq, got '" + engine + "'");
    }
    if ("trtllm".equals(engine) && (engineUrl == null || engineUrl.isEmpty())) {
      throw new IllegalArgumentException("--engine trtllm needs --engine-url");
    }
    if ("zmq".equals(engine) && (engineEventsEndpoint == null || engineEventsEndpoint.isEmpty())) {
      throw new IllegalArgumentException("--engine zmq needs --engine-events-endpoint");
    }
    if (blockSize <= 0 || replayBuffer <= 0) {
      throw new IllegalArgumentException("--block-size and --replay-buffer must be positive");
    }
  }

  public static CliOptions options() {
    return CliOptions.create("AgentMain", "kvroute worker agent: engine adapter, KV event publisher, proxy.")
        .option("worker-index", "0", "worker index i (default ports 8100+i, 5557+i, 5657+i)")
        .option("worker-id", null, "worker id (default worker-<i>)")
        .option("engine", "sim", "engine kind: sim | trtllm | zmq")
        .option("engine-url", "", "trtllm-serve base URL (trtllm), or the engine's OpenAI URL (zmq, optional)")
        .option("engine-events-endpoint", "", "zmq: the engine's KV event PUB endpoint, e.g. tcp://127.0.0.1:5555")
        .option("engine-replay-endpoint", "", "zmq: the engine's replay endpoint (optional)")
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
          sim);
    } catch (IllegalArgumentException e) {
      throw new CliOptions.UsageException(e.getMessage());
    }
  }
}

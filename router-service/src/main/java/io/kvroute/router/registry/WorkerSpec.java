package io.kvroute.router.registry;

/**
 * What the router knows about a worker from configuration or registration: its string id, the agent's HTTP base URL
 * (null when there is no agent, e.g. a raw vLLM engine: no replay, no snapshot), the KV-events and metrics ZMQ
 * endpoints (null = not subscribed), the block size the worker hashes with, its model and its number of
 * data-parallel ranks (each rank is a separate scheduling target). {@code replayEndpoint} is a raw vLLM/SGLang
 * engine's ROUTER replay socket (reference notes §2.6; null = none): gaps in the engine's event stream are recovered
 * through it when there is no agent.
 */
public record WorkerSpec(String id, String url, String eventsEndpoint, String metricsEndpoint, int blockSize,
    String model, int dpSize, String replayEndpoint) {

  /** Without an engine replay endpoint. */
  public WorkerSpec(String id, String url, String eventsEndpoint, String metricsEndpoint, int blockSize,
      String model, int dpSize) {
    this(id, url, eventsEndpoint, metricsEndpoint, blockSize, model, dpSize, null);
  }

  public WorkerSpec {
    if (id == null || id.isBlank()) {
      throw new IllegalArgumentException("worker id must not be empty");
    }
    if (dpSize <= 0) {
      throw new IllegalArgumentException("dp_size must be positive");
    }
  }

  /** Same endpoints (a heartbeat that changes none of them does not resubscribe). */
  public boolean sameEndpoints(WorkerSpec other) {
    return java.util.Objects.equals(url, other.url) && java.util.Objects.equals(eventsEndpoint, other.eventsEndpoint)
        && java.util.Objects.equals(metricsEndpoint, other.metricsEndpoint) && dpSize == other.dpSize
        && java.util.Objects.equals(replayEndpoint, other.replayEndpoint)
        && blockSize == other.blockSize;
  }
}

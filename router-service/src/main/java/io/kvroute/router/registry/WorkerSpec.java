package io.kvroute.router.registry;

/**
 * What the router knows about a worker from configuration or registration: its string id, the agent's HTTP base URL
 * (null when there is no agent, e.g. a raw vLLM engine: no replay, no snapshot), the KV-events and metrics ZMQ
 * endpoints (null = not subscribed), the block size the worker hashes with, its model and its number of
 * data-parallel ranks (each rank is a separate scheduling target).
 */
public record WorkerSpec(String id, String url, String eventsEndpoint, String metricsEndpoint, int blockSize,
    String model, int dpSize) {

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
        && blockSize == other.blockSize;
  }
}

package io.kvroute.agent.engine;

import io.kvroute.common.codec.LoadMetrics;

/**
 * The agent's connection to its engine (DESIGN §3): it feeds engine KV events, normalised, into the agent's
 * event log and tracks the engine's load. Implementations run on their own thread.
 */
public interface EngineAdapter extends AutoCloseable {

  /** Engine kind as reported by {@code /v1/info}: sim, trtllm or zmq. */
  String kind();

  /** Starts polling / subscribing. */
  void start();

  /** Whether the engine answered recently. */
  boolean engineUp();

  /** Whether at least one engine event has been seen since start. */
  boolean eventsSeen();

  /**
   * Whether the agent is ready to be routed to ({@code GET /ready}). By default the engine must be up and have
   * sent its first event: a trtllm (or sim) engine emits {@code created} when its KV cache is allocated, without
   * any traffic, and that event also tells the normaliser the window size to keep; until it arrives the engine is
   * still starting. The zmq adapter overrides this (an idle vLLM engine publishes nothing).
   */
  default boolean ready() {
    return engineUp() && eventsSeen();
  }

  /**
   * The engine's own tokens per KV block when it reports one (trtllm iteration stats), else 0. When it differs from
   * {@code --block-size} every block the engine stores is dropped (partial or oversize), so the agent is not ready.
   */
  default int engineBlockSize() {
    return 0;
  }

  /** The latest load (null until known). */
  LoadMetrics load();

  /** Base URL of the engine's OpenAI HTTP API (for the proxy), or null if it has none. */
  String generationUrl();

  @Override
  void close();
}

package io.kvroute.router.registry;

/** Liveness of a worker as the registry sees it. */
public enum WorkerState {
  /** Heartbeats or metrics seen within the TTL. */
  UP,
  /** Nothing heard for longer than the TTL: not routed to; tree entries removed after the grace period. */
  DOWN,
  /** Block size differs from the router's: events refused, never routed to. */
  MISCONFIGURED;

  public String wireName() {
    return name().toLowerCase(java.util.Locale.ROOT);
  }
}

package io.kvroute.router.registry;

/**
 * An immutable snapshot of one registry entry. {@code source} is {@code static} or {@code registered};
 * {@code lastSeenMillis} is the registry clock time of the last heartbeat, metrics message or KV event;
 * {@code bootstrapped} is true once the worker's index state is known complete (snapshot loaded, or live from
 * seq 0 when the worker has no agent); {@code liveOnly} is true while the worker is served from its live event
 * stream alone (no agent configured, or its agent never answered the first snapshot attempts): such a worker
 * counts as ready; {@code detail} explains a misconfiguration.
 */
public record WorkerView(WorkerSpec spec, String source, WorkerState state, boolean draining, boolean bootstrapped,
    boolean liveOnly, long registeredAtMillis, long lastSeenMillis, String detail) {

  /** {@code live_only}, {@code bootstrapped} or {@code bootstrapping} (shown in /v1/workers and metrics). */
  public String indexState() {
    return liveOnly ? "live_only" : bootstrapped ? "bootstrapped" : "bootstrapping";
  }

  /** Counts for /ready: bootstrapped or served live-only. */
  public boolean indexReady() {
    return bootstrapped || liveOnly;
  }

  public String id() {
    return spec.id();
  }

  /** Routable: up and not draining. */
  public boolean eligible() {
    return state == WorkerState.UP && !draining;
  }
}

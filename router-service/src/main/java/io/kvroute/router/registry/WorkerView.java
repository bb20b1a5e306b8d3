package io.kvroute.router.registry;

/**
 * An immutable snapshot of one registry entry. {@code source} is {@code static} or {@code registered};
 * {@code lastSeenMillis} is the registry clock time of the last heartbeat, metrics message or KV event;
 * {@code bootstrapped} is true once the worker's index state is known complete (snapshot loaded, or live from
 * seq 0 when the worker has no agent); {@code detail} explains a misconfiguration.
 */
public record WorkerView(WorkerSpec spec, String source, WorkerState state, boolean draining, boolean bootstrapped,
    long registeredAtMillis, long lastSeenMillis, String detail) {

  public String id() {
    return spec.id();
  }

  /** Routable: up and not draining. */
  public boolean eligible() {
    return state == WorkerState.UP && !draining;
  }
}

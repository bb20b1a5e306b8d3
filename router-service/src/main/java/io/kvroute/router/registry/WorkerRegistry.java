package io.kvroute.router.registry;

import io.kvroute.router.core.Candidate;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * The set of workers the router knows, their liveness and flags. The local implementation keeps everything in
 * memory; a clustered implementation (router replicas) can share the same contract. Every method is thread-safe;
 * {@link #candidates} is on the routing hot path and must not allocate when nothing is excluded.
 */
public interface WorkerRegistry {

  /** Observes membership changes (called on the thread that made the change, after it is visible). */
  interface Listener {
    /** A worker appeared, or its endpoints changed (then {@code previous} is non-null). */
    void onAdded(WorkerSpec spec, WorkerSpec previous);

    /** A worker was removed from the registry. */
    void onRemoved(String workerId);

    /** A worker has been down past the grace period: its index entries should go. */
    void onExpired(String workerId);
  }

  /** Outcome of a registration. */
  record Registration(WorkerView view, boolean created) {
  }

  static WorkerRegistry local(int routerBlockSize, java.time.Duration ttl, java.time.Duration grace,
      java.time.Clock clock) {
    return new LocalWorkerRegistry(routerBlockSize, ttl, grace, clock);
  }

  void addListener(Listener listener);

  /**
   * Adds or refreshes a worker ({@code source} {@code static} or {@code registered}); a known id counts as a
   * heartbeat. A block size other than the router's flags the worker misconfigured.
   */
  Registration register(WorkerSpec spec, String source);

  /** Liveness signal from a metrics message or KV event; unknown ids are ignored. */
  void touch(String workerId);

  Optional<WorkerView> get(String workerId);

  Collection<WorkerView> all();

  boolean remove(String workerId);

  /** Sets the drain flag; false if unknown. */
  boolean setDraining(String workerId, boolean draining);

  /** Flags a worker misconfigured (e.g. its events carry another block size); its events are refused. */
  void markMisconfigured(String workerId, String detail);

  /** True when the worker is flagged misconfigured (events must be refused). */
  boolean isMisconfigured(String workerId);

  /** Records whether the worker's index state is complete (snapshot loaded). */
  void setBootstrapped(String workerId, boolean bootstrapped);

  /** The ingest thread reports that the worker is (or stops being) served from its live stream alone. */
  void setLiveOnly(String workerId, boolean liveOnly);

  /** The agent URL of a known worker (null if unknown or none); lock-free, for the routing hot path. */
  String url(String workerId);

  /** Routable targets (every dp rank of every eligible worker), minus the excluded worker ids. */
  List<Candidate> candidates(Set<String> excludedWorkerIds);

  /** Applies TTL and grace rules at the registry clock's current time; returns how many states changed. */
  int sweep();
}

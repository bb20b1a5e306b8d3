package io.kvroute.router.cluster;

import io.kvroute.router.RouterConfig;
import io.kvroute.router.core.RouterCore;
import io.kvroute.router.registry.WorkerRegistry;
import io.kvroute.router.service.LoadDeltaListener;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.Vertx;

/**
 * This router's membership in a cluster of replicas (DESIGN §9, reference notes §5): a shared worker registry and
 * shared active load over an embedded Hazelcast member. The radix tree is not shared: every replica subscribes to
 * every worker and bootstraps from snapshots.
 *
 * <p>This interface mentions no Hazelcast type, so a router started without {@code --cluster} never loads a
 * Hazelcast class: only {@link #start} reaches the implementation.
 */
public interface ReplicaCluster {

  /**
   * Starts the member (joining the configured members), mirrors {@code local} into the shared registry and starts
   * the load-delta publisher/applier on {@code core}. The blocking start runs on a worker thread.
   */
  static Future<ReplicaCluster> start(Vertx vertx, RouterConfig config, RouterCore core, WorkerRegistry local,
      MeterRegistry meters) {
    return vertx.executeBlocking(() -> HazelcastReplicaCluster.start(config, core, local, meters), false);
  }

  /** This replica's id (tags its load deltas). */
  String replicaId();

  /** The shared registry: what the HTTP API must use for registrations, removals and drain flags. */
  WorkerRegistry registry();

  /** Publishes this replica's bookings, prefill completions and releases (add to the routing service). */
  LoadDeltaListener loadListener();

  /** Replicas currently in the cluster, this one included. */
  int members();

  /** Leaves the cluster gracefully (bounded wait) on a worker thread. */
  Future<Void> close(Vertx vertx);
}

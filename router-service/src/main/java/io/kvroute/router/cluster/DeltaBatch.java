package io.kvroute.router.cluster;

import java.util.List;

/**
 * The unit published on the cluster topic: deltas of one replica, in the order it made them.
 *
 * @param replicaId    publishing replica (receivers ignore their own)
 * @param sentAtMillis publisher's wall clock when the batch was sealed (receivers record now − this as lag)
 * @param deltas       the deltas, oldest first
 */
public record DeltaBatch(String replicaId, long sentAtMillis, List<LoadDelta> deltas) {
}

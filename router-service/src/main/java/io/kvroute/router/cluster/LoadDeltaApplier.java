package io.kvroute.router.cluster;

import io.kvroute.common.codec.DecodeException;
import io.kvroute.common.hash.BlockHasher;
import io.kvroute.router.core.RouterCore;
import io.kvroute.router.core.Target;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Applies the load deltas of other replicas to this replica's core, so its decisions see their in-flight load.
 * Bookings go through {@link RouterCore#book}, which stamps them with this core's clock: a remote booking whose
 * release never arrives is force-freed by {@link RouterCore#expireStale} like a local one. Runs on the cluster's
 * event thread (never a Vert.x event loop); the core's load lock is held for a few microseconds per delta.
 */
public final class LoadDeltaApplier {

  private static final Logger LOG = LoggerFactory.getLogger(LoadDeltaApplier.class);

  private final String replicaId;
  private final RouterCore core;
  private final ClusterMetrics metrics;
  private final LongSupplier wallClock;

  public LoadDeltaApplier(String replicaId, RouterCore core, ClusterMetrics metrics, LongSupplier wallClock) {
    this.replicaId = replicaId;
    this.core = core;
    this.metrics = metrics;
    this.wallClock = wallClock;
  }

  /** One published batch; own batches are ignored, malformed ones counted and dropped. */
  public void onBatch(byte[] payload) {
    DeltaBatch batch;
    try {
      batch = DeltaBatchCodec.decode(payload);
    } catch (DecodeException e) {
      metrics.dropped("malformed", 1);
      LOG.warn("load delta batch dropped reason=malformed bytes={} detail=\"{}\"",
          payload == null ? 0 : payload.length, e.getMessage());
      return;
    }
    if (replicaId.equals(batch.replicaId())) {
      return;
    }
    metrics.batchReceived(wallClock.getAsLong() - batch.sentAtMillis());
    for (LoadDelta d : batch.deltas()) {
      apply(d);
    }
  }

  private void apply(LoadDelta d) {
    switch (d.kind()) {
      case BOOKED -> {
        core.book(d.requestId(), new Target(d.workerId(), d.dpRank()), BlockHasher.sequenceHashes(d.localHashes()),
            d.numTokens(), d.overlapBlocks());
        metrics.applied(d.kind());
      }
      case PREFILL_DONE -> count(d, core.prefillDone(d.requestId()));
      case RELEASED -> count(d, core.release(d.requestId()));
    }
  }

  private void count(LoadDelta d, boolean known) {
    if (known) {
      metrics.applied(d.kind());
    } else {
      // The booking was never seen here (lost, or made before this replica joined), or already released.
      metrics.dropped("unknown_request", 1);
    }
  }
}

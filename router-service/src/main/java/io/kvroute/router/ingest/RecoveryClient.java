package io.kvroute.router.ingest;

import io.kvroute.common.event.KvEventBatch;
import io.vertx.core.Future;
import java.util.List;

/**
 * Reaches a worker agent's recovery endpoints (DESIGN §4): the replay ring ({@code GET /v1/kv/events?after=SEQ})
 * and the full snapshot ({@code GET /v1/kv/snapshot}). A failed future means the agent could not be reached or
 * answered garbage; {@link Replay#gone()} means the requested seq is older than the agent's ring (HTTP 410).
 */
public interface RecoveryClient {

  /** One published batch with its wire seq. */
  record SeqBatch(long seq, KvEventBatch batch) {
  }

  /**
   * Batches after the requested seq in ascending seq order, or {@code gone} when the ring no longer has them;
   * {@code lastSeq} is the newest seq the agent has published (-1: none), so a head below the requested seq reveals
   * an agent restart.
   */
  record Replay(boolean gone, long lastSeq, List<SeqBatch> batches) {
    public static Replay ofGone() {
      return new Replay(true, -1, List.of());
    }
  }

  /**
   * The agent's whole block table as batches of stored events (one per dp rank), consistent with {@code seq}
   * (-1: nothing published yet), hashed with {@code blockSize}.
   */
  record Snapshot(long seq, int blockSize, List<KvEventBatch> batches) {
  }

  Future<Replay> eventsAfter(String agentUrl, long afterSeq);

  Future<Snapshot> snapshot(String agentUrl);

  /** Closes clients. */
  default void close() {
  }
}

package io.kvroute.agent.events;

import io.kvroute.agent.AgentMetrics;
import io.kvroute.common.codec.AgentBatchCodec;
import io.kvroute.common.codec.RecoveryJson;
import io.kvroute.common.codec.RecoveryJson.SeqBatch;
import io.kvroute.common.event.KvEvent;
import io.kvroute.common.event.KvEventBatch;
import java.util.List;

/**
 * The one place where published batches get their seq: each batch is applied to the {@link BlockTable}, kept in
 * the {@link ReplayRing} and handed to the publishing thread under one lock, so the table, the ring and the ZMQ
 * stream always agree on seq order. Thread-safe.
 */
public final class KvEventLog {

  /** Receives encoded batches in seq order (the ZMQ publishing thread's queue). */
  public interface Sink {
    void send(long seq, byte[] payload);
  }

  private final String workerId;
  private final int blockSize;
  private final AgentMetrics metrics;
  private final Sink sink;
  private final BlockTable table = new BlockTable();
  private final ReplayRing ring;
  private long nextSeq;

  public KvEventLog(String workerId, int blockSize, int replayCapacity, AgentMetrics metrics, Sink sink) {
    this.workerId = workerId;
    this.blockSize = blockSize;
    this.metrics = metrics;
    this.sink = sink;
    this.ring = new ReplayRing(replayCapacity);
  }

  /** Publishes one batch; returns its seq. */
  public long publish(KvEventBatch batch) {
    byte[] payload = AgentBatchCodec.encode(batch);
    long seq;
    synchronized (this) {
      seq = nextSeq++;
      table.apply(batch);
      ring.add(seq, batch);
      sink.send(seq, payload);
    }
    for (KvEvent e : batch.events()) {
      metrics.eventOut(e.type());
    }
    metrics.published(seq);
    return seq;
  }

  /** Publishes every batch in order. */
  public void publishAll(List<KvEventBatch> batches) {
    for (KvEventBatch b : batches) {
      publish(b);
    }
  }

  /** Seq of the last published batch, -1 when none. */
  public synchronized long lastSeq() {
    return nextSeq - 1;
  }

  /** Buffered batches after {@code after}, or null when some have left the ring (HTTP 410). */
  public synchronized RecoveryJson.EventsPage eventsAfter(long after) {
    List<SeqBatch> batches = ring.after(after, nextSeq - 1);
    return batches == null ? null : new RecoveryJson.EventsPage(workerId, nextSeq - 1, batches);
  }

  /** The whole block table and the seq it is consistent with. */
  public synchronized RecoveryJson.Snapshot snapshot() {
    return new RecoveryJson.Snapshot(workerId, nextSeq - 1, blockSize, table.toStoredEvents());
  }

  /** Blocks in the table (all ranks). */
  public synchronized int tableSize() {
    return table.size();
  }
}

package io.kvroute.router.cluster;

import io.kvroute.router.core.Target;
import io.kvroute.router.service.LoadDeltaListener;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Publishes this replica's load deltas. The {@link LoadDeltaListener} callbacks run on HTTP event loops: they only
 * offer to a bounded queue (never block; when it is full the newest delta is dropped and counted, as Dynamo does).
 * One publisher thread seals batches of at most {@code maxBatch} deltas or {@code lingerNanos} of waiting, encodes
 * them and hands the bytes to the sink (the cluster topic), so a slow cluster never reaches the event loop.
 */
public final class LoadDeltaPublisher implements LoadDeltaListener, AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(LoadDeltaPublisher.class);
  /** Longer request ids are not replicated (their load stays local; expiry covers the others' view). */
  static final int MAX_ID_CHARS = 16_384;

  private final String replicaId;
  private final Consumer<byte[]> sink;
  private final ClusterMetrics metrics;
  private final LongSupplier wallClock;
  private final BlockingQueue<LoadDelta> queue;
  private final int maxBatch;
  private final long lingerNanos;
  private final Thread thread;
  private volatile boolean running = true;

  public LoadDeltaPublisher(String replicaId, Consumer<byte[]> sink, ClusterMetrics metrics, LongSupplier wallClock,
      int capacity, int maxBatch, long lingerNanos) {
    this.replicaId = replicaId;
    this.sink = sink;
    this.metrics = metrics;
    this.wallClock = wallClock;
    this.queue = new ArrayBlockingQueue<>(capacity);
    this.maxBatch = maxBatch;
    this.lingerNanos = lingerNanos;
    this.thread = new Thread(this::run, "kvroute-delta-publisher");
    this.thread.setDaemon(true);
    this.thread.start();
  }

  @Override
  public void onBooked(String requestId, Target target, long[] localHashes, int numTokens, int overlapBlocks) {
    offer(LoadDelta.booked(requestId, target.workerId(), target.dpRank(), numTokens, overlapBlocks,
        localHashes == null ? new long[0] : localHashes));
  }

  @Override
  public void onPrefillDone(String requestId) {
    offer(LoadDelta.prefillDone(requestId));
  }

  @Override
  public void onReleased(String requestId) {
    offer(LoadDelta.released(requestId));
  }

  private void offer(LoadDelta d) {
    if (d.requestId().length() > MAX_ID_CHARS || (d.workerId() != null && d.workerId().length() > MAX_ID_CHARS)) {
      metrics.dropped("oversize", 1);
      return;
    }
    if (!running || !queue.offer(d)) {
      metrics.dropped("queue_full", 1);
    }
  }

  /** Deltas waiting to be published. */
  public int pending() {
    return queue.size();
  }

  private void run() {
    List<LoadDelta> batch = new ArrayList<>(maxBatch);
    while (running || !queue.isEmpty()) {
      try {
        LoadDelta first = queue.poll(100, TimeUnit.MILLISECONDS);
        if (first == null) {
          continue;
        }
        batch.add(first);
        long deadline = System.nanoTime() + lingerNanos;
        while (batch.size() < maxBatch) {
          if (queue.drainTo(batch, maxBatch - batch.size()) > 0) {
            continue;
          }
          long left = deadline - System.nanoTime();
          if (left <= 0 || !running) {
            break;
          }
          LoadDelta next = queue.poll(left, TimeUnit.NANOSECONDS);
          if (next == null) {
            break;
          }
          batch.add(next);
        }
        publish(batch);
      } catch (InterruptedException e) {
        if (!running) {
          break;
        }
      } finally {
        batch.clear();
      }
    }
  }

  private void publish(List<LoadDelta> batch) {
    try {
      sink.accept(DeltaBatchCodec.encode(new DeltaBatch(replicaId, wallClock.getAsLong(), List.copyOf(batch))));
      metrics.batchSent();
      for (LoadDelta d : batch) {
        metrics.sent(d.kind());
      }
    } catch (RuntimeException e) {
      metrics.dropped("publish_failed", batch.size());
      LOG.warn("load deltas not published count={} error=\"{}\"", batch.size(), e.toString());
    }
  }

  /** Publishes what is queued (bounded wait), then stops the thread. */
  @Override
  public void close() {
    running = false;
    try {
      thread.join(2_000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    if (thread.isAlive()) {
      thread.interrupt();
    }
  }
}

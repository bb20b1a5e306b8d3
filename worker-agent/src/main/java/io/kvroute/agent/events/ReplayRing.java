package io.kvroute.agent.events;

import io.kvroute.common.codec.RecoveryJson.SeqBatch;
import io.kvroute.common.event.KvEventBatch;
import java.util.ArrayList;
import java.util.List;

/** The last {@code capacity} published batches by seq (seqs are contiguous). Not thread-safe. */
public final class ReplayRing {

  private final SeqBatch[] slots;
  private long firstSeq;
  private int size;

  public ReplayRing(int capacity) {
    if (capacity <= 0) {
      throw new IllegalArgumentException("replay buffer must hold at least one batch");
    }
    this.slots = new SeqBatch[capacity];
  }

  /** Adds the batch published with {@code seq} (must be the previous seq + 1). */
  public void add(long seq, KvEventBatch batch) {
    if (size > 0 && seq != firstSeq + size) {
      throw new IllegalArgumentException("non-contiguous seq " + seq + ", expected " + (firstSeq + size));
    }
    if (size == 0) {
      firstSeq = seq;
    }
    if (size == slots.length) {
      firstSeq++;
      size--;
    }
    slots[(int) ((firstSeq + size) % slots.length)] = new SeqBatch(seq, batch);
    size++;
  }

  /**
   * The batches with seq greater than {@code after}, or null when some of them have left the ring, or when
   * {@code after} is beyond {@code lastSeq} (the asker saw seqs this agent never published: the agent restarted).
   * {@code after = -1} asks for everything since seq 0.
   */
  public List<SeqBatch> after(long after, long lastSeq) {
    if (after > lastSeq) {
      return null;
    }
    if (after == lastSeq) {
      return List.of();
    }
    long from = after + 1;
    if (size == 0 || from < firstSeq) {
      return null;
    }
    List<SeqBatch> out = new ArrayList<>((int) (lastSeq - after));
    for (long s = from; s < firstSeq + size; s++) {
      out.add(slots[(int) (s % slots.length)]);
    }
    return out;
  }

  public int size() {
    return size;
  }

  public int capacity() {
    return slots.length;
  }
}

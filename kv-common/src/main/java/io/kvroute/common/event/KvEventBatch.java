package io.kvroute.common.event;

import java.util.List;

/**
 * The events of one published message: {@code timestamp} in seconds since the epoch (f64 on the wire),
 * {@code events} in order, all for one data-parallel rank.
 */
public record KvEventBatch(double timestamp, List<KvEvent> events, int dpRank) {

  public KvEventBatch {
    events = List.copyOf(events);
  }

  /** Total blocks touched by the batch (stored + removed), for metrics. */
  public int blockCount() {
    int n = 0;
    for (KvEvent e : events) {
      if (e instanceof KvEvent.Stored s) {
        n += s.size();
      } else if (e instanceof KvEvent.Removed r) {
        n += r.blockHashes().length;
      }
    }
    return n;
  }
}

package io.kvroute.common.codec;

import java.util.List;

/**
 * A vLLM {@code KVEventBatch} ({@code [ts, [events], data_parallel_rank?]}): {@code ts} in seconds (unused by
 * routing), the events in order ({@code Ignored} events are left out), and the data-parallel rank, or null when
 * the publisher did not send one.
 */
public record VllmBatch(double ts, List<VllmEvent> events, Integer dpRank) {

  public VllmBatch {
    events = List.copyOf(events);
  }
}

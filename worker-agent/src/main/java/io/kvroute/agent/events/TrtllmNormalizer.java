package io.kvroute.agent.events;

import io.kvroute.agent.AgentMetrics;
import io.kvroute.common.codec.TrtllmEvent;
import io.kvroute.common.event.KvEvent;
import io.kvroute.common.event.KvEventBatch;
import io.kvroute.common.hash.BlockHasher;
import it.unimi.dsi.fastutil.ints.IntAVLTreeSet;
import it.unimi.dsi.fastutil.longs.LongArrayList;
import it.unimi.dsi.fastutil.longs.LongOpenHashSet;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Turns TensorRT-LLM KV events into agent events exactly as the reference worker does
 * (reference/trtllm-and-reference-router.md §2, DESIGN §3):
 * <ul>
 *   <li>{@code created} sets the largest window size seen; afterwards events whose {@code window_size} differs are
 *   dropped (sliding-window layers).</li>
 *   <li>{@code stored}: blocks are walked in order; exactly B tokens → kept, tokens_hash = {@link BlockHasher} of
 *   its tokens (and multimodal hashes); fewer → a partial block: its hash is remembered and the event stops there;
 *   more → an error for that event, which stops there.</li>
 *   <li>{@code removed}: hashes remembered as partial are dropped (and forgotten).</li>
 *   <li>{@code updated}: ignored. {@code attention_dp_rank} selects the dp rank.</li>
 *   <li>event ids: a gap is counted and logged; ids going back, or a {@code created} after other events (a
 *   run of {@code created} events at start, one per window size, is normal), means the engine restarted: a
 *   {@code cleared} event is emitted first and the state is reset.</li>
 * </ul>
 * Not thread-safe: one instance per engine connection, used by its poller thread.
 */
public final class TrtllmNormalizer {

  private static final Logger LOG = LoggerFactory.getLogger(TrtllmNormalizer.class);

  private final int blockSize;
  private final BlockHasher hasher;
  private final AgentMetrics metrics;
  private final LongOpenHashSet partial = new LongOpenHashSet();
  private final IntAVLTreeSet ranksSeen = new IntAVLTreeSet();
  private Integer maxWindow;
  private long expectedId = -1;
  private boolean seenAny;
  private boolean lastWasCreated;

  public TrtllmNormalizer(int blockSize, AgentMetrics metrics) {
    this.blockSize = blockSize;
    this.hasher = BlockHasher.create(blockSize);
    this.metrics = metrics;
  }

  /** Whether any engine event was seen since start. */
  public boolean seenAny() {
    return seenAny;
  }

  /**
   * Normalises one drained array of engine events into batches (one per run of events of the same dp rank,
   * in order). A restart yields a batch with {@code cleared} for every dp rank seen before.
   */
  public List<KvEventBatch> normalize(List<TrtllmEvent> events, double timestamp) {
    List<KvEventBatch> out = new ArrayList<>();
    List<KvEvent> current = new ArrayList<>();
    int currentRank = -1;
    for (TrtllmEvent e : events) {
      metrics.eventIn(typeOf(e));
      if (isRestart(e)) {
        LOG.warn("event=engine_restart_detected event_id={} expected_id={}", e.eventId(), expectedId);
        flush(out, current, currentRank, timestamp);
        current = new ArrayList<>();
        ranksSeen.add(0);
        for (int rank : ranksSeen.toIntArray()) {
          out.add(new KvEventBatch(timestamp, List.of(KvEvent.Cleared.INSTANCE), rank));
        }
        reset();
      }
      if (!seenAny && !(e instanceof TrtllmEvent.Created)) {
        LOG.warn("event=engine_history_unknown first_event_id={} note=\"events before this one were drained by "
            + "someone else; blocks cached before them are not in the table\"", e.eventId());
      }
      checkId(e.eventId());
      seenAny = true;
      lastWasCreated = e instanceof TrtllmEvent.Created;
      if (e instanceof TrtllmEvent.Created c) {
        if (c.windowSize() != null && (maxWindow == null || c.windowSize() > maxWindow)) {
          maxWindow = c.windowSize();
        }
        continue;
      }
      if (maxWindow != null && e.windowSize() != null && !e.windowSize().equals(maxWindow)) {
        metrics.dropped("window_size");
        continue;
      }
      KvEvent converted = convert(e);
      if (converted == null) {
        continue;
      }
      int rank = e.attentionDpRank() == null ? 0 : e.attentionDpRank();
      if (rank != currentRank && !current.isEmpty()) {
        flush(out, current, currentRank, timestamp);
        current = new ArrayList<>();
      }
      currentRank = rank;
      ranksSeen.add(rank);
      current.add(converted);
    }
    flush(out, current, currentRank, timestamp);
    return out;
  }

  private boolean isRestart(TrtllmEvent e) {
    if (!seenAny) {
      return false;
    }
    // Several created events in a row are normal (one per window size); one after other events is not.
    return e.eventId() < expectedId || (e instanceof TrtllmEvent.Created && !lastWasCreated);
  }

  private void reset() {
    partial.clear();
    ranksSeen.clear();
    maxWindow = null;
    expectedId = -1;
  }

  private void checkId(long id) {
    if (expectedId >= 0 && id > expectedId) {
      long missing = id - expectedId;
      metrics.engineGap(missing);
      LOG.warn("event=engine_event_gap expected_id={} got_id={} missing={}", expectedId, id, missing);
    }
    expectedId = id + 1;
  }

  private KvEvent convert(TrtllmEvent e) {
    if (e instanceof TrtllmEvent.Stored s) {
      return convertStored(s);
    }
    if (e instanceof TrtllmEvent.Removed r) {
      LongArrayList kept = new LongArrayList(r.blockHashes().length);
      for (long h : r.blockHashes()) {
        if (!partial.remove(h)) {
          kept.add(h);
        }
      }
      return kept.isEmpty() ? null : new KvEvent.Removed(kept.toLongArray());
    }
    if (e instanceof TrtllmEvent.Updated) {
      metrics.dropped("updated_ignored");
    }
    return null;
  }

  private KvEvent convertStored(TrtllmEvent.Stored s) {
    List<TrtllmEvent.StoredBlock> blocks = s.blocks();
    LongArrayList bh = new LongArrayList(blocks.size());
    LongArrayList th = new LongArrayList(blocks.size());
    for (TrtllmEvent.StoredBlock b : blocks) {
      int n = b.tokenIds().length;
      if (n == blockSize) {
        bh.add(b.blockHash());
        th.add(hasher.blockHash(b.tokenIds(), 0, n, b.mmHashes()));
      } else if (n < blockSize) {
        partial.add(b.blockHash());
        break;
      } else {
        metrics.dropped("oversize_block");
        LOG.warn("event=engine_event_dropped reason=oversize_block event_id={} tokens={} block_size={}",
            s.eventId(), n, blockSize);
        break;
      }
    }
    if (bh.isEmpty()) {
      return null;
    }
    return s.parentHash() == null
        ? KvEvent.Stored.root(bh.toLongArray(), th.toLongArray())
        : KvEvent.Stored.under(s.parentHash(), bh.toLongArray(), th.toLongArray());
  }

  private void flush(List<KvEventBatch> out, List<KvEvent> events, int rank, double ts) {
    if (!events.isEmpty()) {
      out.add(new KvEventBatch(ts, events, Math.max(rank, 0)));
    }
  }

  private static String typeOf(TrtllmEvent e) {
    if (e instanceof TrtllmEvent.Created) {
      return "created";
    } else if (e instanceof TrtllmEvent.Stored) {
      return "stored";
    } else if (e instanceof TrtllmEvent.Removed) {
      return "removed";
    }
    return "updated";
  }
}

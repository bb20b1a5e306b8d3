package io.kvroute.agent.events;

import io.kvroute.common.event.KvEvent;
import io.kvroute.common.event.KvEventBatch;
import it.unimi.dsi.fastutil.ints.Int2ObjectAVLTreeMap;
import it.unimi.dsi.fastutil.longs.Long2ObjectLinkedOpenHashMap;
import it.unimi.dsi.fastutil.longs.LongArrayList;
import it.unimi.dsi.fastutil.longs.LongOpenHashSet;
import java.util.ArrayList;
import java.util.List;

/**
 * The agent's view of the engine's cache, built from the events it published: per dp rank, engine block hash →
 * (parent engine hash, tokens hash). It answers {@code /v1/kv/snapshot}. Not thread-safe: the owner serialises
 * access.
 */
public final class BlockTable {

  private record Entry(boolean hasParent, long parent, long tokensHash) {
  }

  private final Int2ObjectAVLTreeMap<Long2ObjectLinkedOpenHashMap<Entry>> ranks = new Int2ObjectAVLTreeMap<>();

  /** Applies a published batch. */
  public void apply(KvEventBatch batch) {
    Long2ObjectLinkedOpenHashMap<Entry> table = ranks.get(batch.dpRank());
    for (KvEvent e : batch.events()) {
      if (e instanceof KvEvent.Stored s) {
        if (table == null) {
          table = new Long2ObjectLinkedOpenHashMap<>();
          ranks.put(batch.dpRank(), table);
        }
        boolean hasParent = s.hasParent();
        long parent = s.parentHash();
        long[] bh = s.blockHashes();
        long[] th = s.tokensHashes();
        for (int i = 0; i < bh.length; i++) {
          table.putAndMoveToLast(bh[i], new Entry(hasParent, parent, th[i]));
          hasParent = true;
          parent = bh[i];
        }
      } else if (e instanceof KvEvent.Removed r) {
        if (table != null) {
          for (long h : r.blockHashes()) {
            table.remove(h);
          }
        }
      } else if (e instanceof KvEvent.Cleared) {
        ranks.remove(batch.dpRank());
        table = null;
      }
    }
  }

  /** Number of blocks over all ranks. */
  public int size() {
    int n = 0;
    for (Long2ObjectLinkedOpenHashMap<Entry> t : ranks.values()) {
      n += t.size();
    }
    return n;
  }

  public void clear() {
    ranks.clear();
  }

  /**
   * The table as stored events, one batch per dp rank: every parent present in the table comes before its
   * children; runs of a chain are merged into one event. A block whose parent is no longer in the table keeps
   * its parent hash (as the live stream did).
   */
  public List<KvEventBatch> toStoredEvents() {
    List<KvEventBatch> out = new ArrayList<>(ranks.size());
    for (var rank : ranks.int2ObjectEntrySet()) {
      Long2ObjectLinkedOpenHashMap<Entry> table = rank.getValue();
      List<KvEvent> events = new ArrayList<>();
      LongOpenHashSet emitted = new LongOpenHashSet(table.size());
      Chain chain = new Chain();
      LongArrayList path = new LongArrayList();
      for (var it = table.long2ObjectEntrySet().fastIterator(); it.hasNext(); ) {
        long start = it.next().getLongKey();
        if (emitted.contains(start)) {
          continue;
        }
        // Walk up to the first ancestor that is emitted or absent, then emit top-down.
        path.clear();
        long h = start;
        while (true) {
          path.add(h);
          Entry en = table.get(h);
          if (!en.hasParent || emitted.contains(en.parent) || !table.containsKey(en.parent)
              || path.size() > table.size()) {
            break;
          }
          h = en.parent;
        }
        for (int i = path.size() - 1; i >= 0; i--) {
          long b = path.getLong(i);
          if (emitted.add(b)) {
            chain.add(events, b, table.get(b));
          }
        }
      }
      chain.flush(events);
      out.add(new KvEventBatch(0.0, events, rank.getIntKey()));
    }
    return out;
  }

  /** Merges consecutive blocks of one chain into one stored event. */
  private static final class Chain {
    private final LongArrayList blocks = new LongArrayList();
    private final LongArrayList tokens = new LongArrayList();
    private boolean hasParent;
    private long parent;

    void add(List<KvEvent> out, long block, Entry e) {
      boolean continues = !blocks.isEmpty() && e.hasParent && e.parent == blocks.getLong(blocks.size() - 1);
      if (!continues) {
        flush(out);
        hasParent = e.hasParent;
        parent = e.parent;
      }
      blocks.add(block);
      tokens.add(e.tokensHash);
    }

    void flush(List<KvEvent> out) {
      if (blocks.isEmpty()) {
        return;
      }
      out.add(new KvEvent.Stored(hasParent, parent, blocks.toLongArray(), tokens.toLongArray()));
      blocks.clear();
      tokens.clear();
    }
  }
}

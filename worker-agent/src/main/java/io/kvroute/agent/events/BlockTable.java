package io.kvroute.agent.events;

import io.kvroute.common.event.KvEvent;
import io.kvroute.common.event.KvEventBatch;
import it.unimi.dsi.fastutil.ints.Int2ObjectAVLTreeMap;
import it.unimi.dsi.fastutil.longs.Long2LongLinkedOpenHashMap;
import it.unimi.dsi.fastutil.longs.Long2LongOpenHashMap;
import it.unimi.dsi.fastutil.longs.LongArrayList;
import it.unimi.dsi.fastutil.longs.LongIterator;
import it.unimi.dsi.fastutil.longs.LongOpenHashSet;
import java.util.ArrayList;
import java.util.List;

/**
 * The agent's view of the engine's cache, built from the events it published: per dp rank, engine block hash →
 * (parent engine hash, tokens hash). It answers {@code /v1/kv/snapshot}. Not thread-safe: the owner serialises
 * access.
 *
 * <p>A rank's table holds primitives only: no object per block, and nothing a young collection has to trace. With
 * an entry object per block, each new block stored a young reference into a random slot of a large old array, and
 * the next young pause rescanned every card that such a store had dirtied.
 */
public final class BlockTable {

  /** One dp rank's blocks, in store order (a block stored again moves to the end). */
  private static final class RankTable {
    final Long2LongLinkedOpenHashMap parentOf = new Long2LongLinkedOpenHashMap();
    final Long2LongOpenHashMap tokensHashOf = new Long2LongOpenHashMap();
    /** Blocks stored without a parent (the first of a chain from the root); parentOf keeps the event's parent hash. */
    final LongOpenHashSet withoutParent = new LongOpenHashSet();

    void store(long block, boolean hasParent, long parent, long tokensHash) {
      parentOf.putAndMoveToLast(block, parent);
      tokensHashOf.put(block, tokensHash);
      if (hasParent) {
        withoutParent.remove(block);
      } else {
        withoutParent.add(block);
      }
    }

    void remove(long block) {
      if (parentOf.containsKey(block)) {
        parentOf.remove(block);
        tokensHashOf.remove(block);
        withoutParent.remove(block);
      }
    }

    boolean hasParent(long block) {
      return !withoutParent.contains(block);
    }

    int size() {
      return parentOf.size();
    }
  }

  private final Int2ObjectAVLTreeMap<RankTable> ranks = new Int2ObjectAVLTreeMap<>();

  /** Applies a published batch. */
  public void apply(KvEventBatch batch) {
    RankTable table = ranks.get(batch.dpRank());
    for (KvEvent e : batch.events()) {
      if (e instanceof KvEvent.Stored s) {
        if (table == null) {
          table = new RankTable();
          ranks.put(batch.dpRank(), table);
        }
        boolean hasParent = s.hasParent();
        long parent = s.parentHash();
        long[] bh = s.blockHashes();
        long[] th = s.tokensHashes();
        for (int i = 0; i < bh.length; i++) {
          table.store(bh[i], hasParent, parent, th[i]);
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
    for (RankTable t : ranks.values()) {
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
      RankTable table = rank.getValue();
      List<KvEvent> events = new ArrayList<>();
      LongOpenHashSet emitted = new LongOpenHashSet(table.size());
      Chain chain = new Chain();
      LongArrayList path = new LongArrayList();
      for (LongIterator it = table.parentOf.keySet().iterator(); it.hasNext(); ) {
        long start = it.nextLong();
        if (emitted.contains(start)) {
          continue;
        }
        // Walk up to the first ancestor that is emitted or absent, then emit top-down.
        path.clear();
        long h = start;
        while (true) {
          path.add(h);
          long parent = table.parentOf.get(h);
          if (!table.hasParent(h) || emitted.contains(parent) || !table.parentOf.containsKey(parent)
              || path.size() > table.size()) {
            break;
          }
          h = parent;
        }
        for (int i = path.size() - 1; i >= 0; i--) {
          long b = path.getLong(i);
          if (emitted.add(b)) {
            chain.add(events, b, table.hasParent(b), table.parentOf.get(b), table.tokensHashOf.get(b));
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

    void add(List<KvEvent> out, long block, boolean blockHasParent, long blockParent, long tokensHash) {
      boolean continues = !blocks.isEmpty() && blockHasParent && blockParent == blocks.getLong(blocks.size() - 1);
      if (!continues) {
        flush(out);
        hasParent = blockHasParent;
        parent = blockParent;
      }
      blocks.add(block);
      tokens.add(tokensHash);
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

package io.kvroute.common.codec;

import io.kvroute.common.event.KvEvent;
import io.kvroute.common.event.KvEventBatch;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * JSON shapes of the agent's recovery endpoints (DESIGN §4), shared by the worker-agent (encoder) and the
 * router (decoder) so both sides use one implementation.
 *
 * <h2>{@code GET /v1/kv/events?after=SEQ} → {@link EventsPage}</h2>
 * <pre>
 * {"worker_id": "worker-0",
 *  "last_seq": 41,                       // newest seq published when the page was built; -1 = none yet
 *  "batches": [                          // every buffered batch with seq &gt; SEQ, ascending, contiguous
 *    {"seq": 40, "ts": 1732400000.125,   // seq as on the ZMQ frame; ts seconds since the epoch (f64)
 *     "dp_rank": 0,
 *     "events": [EVENT, ...]}]}
 * </pre>
 * <h2>{@code GET /v1/kv/snapshot} → {@link Snapshot}</h2>
 * <pre>
 * {"worker_id": "worker-0",
 *  "seq": 41,                            // the table reflects exactly the batches with seq &lt;= 41; -1 = none
 *  "block_size": 32,
 *  "events": [EVENT + "dp_rank", ...]}   // only "stored" events; a parent always comes before its children
 * </pre>
 * <h2>EVENT</h2>
 * <pre>
 * {"type": "stored", "parent_hash": "123" | null, "blocks": [["&lt;block_hash&gt;", "&lt;tokens_hash&gt;"], ...]}
 * {"type": "removed", "block_hashes": ["&lt;block_hash&gt;", ...]}
 * {"type": "cleared"}
 * </pre>
 * Hashes are unsigned 64-bit values written as decimal strings (JSON numbers above 2^53 lose precision in many
 * parsers). The decoder also accepts JSON integers, signed or unsigned. Snapshot events carry their
 * {@code "dp_rank"} (default 0).
 */
public final class RecoveryJson {

  private static final BigInteger TWO_64 = BigInteger.ONE.shiftLeft(64);

  private RecoveryJson() {
  }

  /** One buffered batch and the seq it was published with. */
  public record SeqBatch(long seq, KvEventBatch batch) {
  }

  /** The answer of {@code /v1/kv/events}: batches after the requested seq, and the newest seq published. */
  public record EventsPage(String workerId, long lastSeq, List<SeqBatch> batches) {
    public EventsPage {
      batches = List.copyOf(batches);
    }
  }

  /**
   * The answer of {@code /v1/kv/snapshot}: the whole block table as stored events, one batch per dp rank (parents
   * before children), consistent with every batch published up to and including {@code seq}.
   */
  public record Snapshot(String workerId, long seq, int blockSize, List<KvEventBatch> ranks) {
    public Snapshot {
      ranks = List.copyOf(ranks);
    }

    /** Number of stored blocks over all ranks. */
    public int blockCount() {
      int n = 0;
      for (KvEventBatch b : ranks) {
        n += b.blockCount();
      }
      return n;
    }
  }

  // ------------------------------------------------------------------------------------------------ encoding

  public static String encodeEvents(EventsPage page) {
    StringBuilder sb = new StringBuilder(256 + page.batches().size() * 128);
    sb.append("{\"worker_id\":");
    JsonStrings.appendQuoted(sb, page.workerId());
    sb.append(",\"last_seq\":").append(page.lastSeq()).append(",\"batches\":[");
    boolean first = true;
    for (SeqBatch sbatch : page.batches()) {
      if (!first) {
        sb.append(',');
      }
      first = false;
      KvEventBatch b = sbatch.batch();
      sb.append("{\"seq\":").append(sbatch.seq())
          .append(",\"ts\":").append(finite(b.timestamp()))
          .append(",\"dp_rank\":").append(b.dpRank())
          .append(",\"events\":[");
      boolean firstEvent = true;
      for (KvEvent e : b.events()) {
        if (!firstEvent) {
          sb.append(',');
        }
        firstEvent = false;
        appendEvent(sb, e, -1);
      }
      sb.append("]}");
    }
    return sb.append("]}").toString();
  }

  public static String encodeSnapshot(Snapshot snapshot) {
    StringBuilder sb = new StringBuilder(256 + snapshot.blockCount() * 48);
    sb.append("{\"worker_id\":");
    JsonStrings.appendQuoted(sb, snapshot.workerId());
    sb.append(",\"seq\":").append(snapshot.seq())
        .append(",\"block_size\":").append(snapshot.blockSize())
        .append(",\"events\":[");
    boolean first = true;
    for (KvEventBatch rank : snapshot.ranks()) {
      for (KvEvent e : rank.events()) {
        if (!first) {
          sb.append(',');
        }
        first = false;
        appendEvent(sb, e, rank.dpRank());
      }
    }
    return sb.append("]}").toString();
  }

  /** Appends one event object; {@code dpRank >= 0} adds a {@code "dp_rank"} field (snapshot form). */
  public static void appendEvent(StringBuilder sb, KvEvent event, int dpRank) {
    sb.append("{\"type\":\"").append(event.type()).append('"');
    if (dpRank >= 0) {
      sb.append(",\"dp_rank\":").append(dpRank);
    }
    if (event instanceof KvEvent.Stored s) {
      sb.append(",\"parent_hash\":");
      if (s.hasParent()) {
        appendHash(sb, s.parentHash());
      } else {
        sb.append("null");
      }
      sb.append(",\"blocks\":[");
      long[] bh = s.blockHashes();
      long[] th = s.tokensHashes();
      for (int i = 0; i < bh.length; i++) {
        if (i > 0) {
          sb.append(',');
        }
        sb.append('[');
        appendHash(sb, bh[i]);
        sb.append(',');
        appendHash(sb, th[i]);
        sb.append(']');
      }
      sb.append(']');
    } else if (event instanceof KvEvent.Removed r) {
      sb.append(",\"block_hashes\":[");
      long[] bh = r.blockHashes();
      for (int i = 0; i < bh.length; i++) {
        if (i > 0) {
          sb.append(',');
        }
        appendHash(sb, bh[i]);
      }
      sb.append(']');
    }
    sb.append('}');
  }

  private static void appendHash(StringBuilder sb, long hash) {
    sb.append('"').append(Long.toUnsignedString(hash)).append('"');
  }

  private static double finite(double v) {
    return Double.isFinite(v) ? v : 0.0;
  }

  // ------------------------------------------------------------------------------------------------ decoding

  public static EventsPage decodeEvents(String json) throws DecodeException {
    JsonObject root = parse(json);
    try {
      String workerId = requireString(root, "worker_id");
      long lastSeq = requireLong(root, "last_seq");
      JsonArray arr = requireArray(root, "batches");
      List<SeqBatch> batches = new ArrayList<>(arr.size());
      for (int i = 0; i < arr.size(); i++) {
        Object o = arr.getValue(i);
        if (!(o instanceof JsonObject b)) {
          throw new DecodeException("batches[" + i + "] is not an object");
        }
        long seq = requireLong(b, "seq");
        double ts = b.getValue("ts") instanceof Number n ? n.doubleValue() : 0.0;
        int dpRank = b.getValue("dp_rank") == null ? 0 : (int) requireLong(b, "dp_rank");
        JsonArray evs = requireArray(b, "events");
        List<KvEvent> events = new ArrayList<>(evs.size());
        for (int j = 0; j < evs.size(); j++) {
          events.add(decodeEvent(evs.getValue(j), "batches[" + i + "].events[" + j + "]"));
        }
        batches.add(new SeqBatch(seq, new KvEventBatch(ts, events, dpRank)));
      }
      return new EventsPage(workerId, lastSeq, batches);
    } catch (DecodeException e) {
      throw e;
    } catch (RuntimeException e) {
      throw new DecodeException("bad events page", e);
    }
  }

  public static Snapshot decodeSnapshot(String json) throws DecodeException {
    JsonObject root = parse(json);
    try {
      String workerId = requireString(root, "worker_id");
      long seq = requireLong(root, "seq");
      int blockSize = (int) requireLong(root, "block_size");
      JsonArray evs = requireArray(root, "events");
      Map<Integer, List<KvEvent>> byRank = new LinkedHashMap<>();
      for (int j = 0; j < evs.size(); j++) {
        Object o = evs.getValue(j);
        String where = "events[" + j + "]";
        KvEvent e = decodeEvent(o, where);
        if (!(e instanceof KvEvent.Stored)) {
          throw new DecodeException(where + ": a snapshot holds only stored events, got " + e.type());
        }
        JsonObject obj = (JsonObject) o;
        int rank = obj.getValue("dp_rank") == null ? 0 : (int) requireLong(obj, "dp_rank");
        byRank.computeIfAbsent(rank, k -> new ArrayList<>()).add(e);
      }
      List<KvEventBatch> ranks = new ArrayList<>(byRank.size());
      for (Map.Entry<Integer, List<KvEvent>> r : byRank.entrySet()) {
        ranks.add(new KvEventBatch(0.0, r.getValue(), r.getKey()));
      }
      return new Snapshot(workerId, seq, blockSize, ranks);
    } catch (DecodeException e) {
      throw e;
    } catch (RuntimeException e) {
      throw new DecodeException("bad snapshot", e);
    }
  }

  private static KvEvent decodeEvent(Object o, String where) throws DecodeException {
    if (!(o instanceof JsonObject e)) {
      throw new DecodeException(where + " is not an object");
    }
    String type = e.getValue("type") instanceof String t ? t : null;
    if (type == null) {
      throw new DecodeException(where + ": missing type");
    }
    switch (type) {
      case "stored": {
        Object parent = e.getValue("parent_hash");
        JsonArray blocks = requireArray(e, "blocks");
        long[] bh = new long[blocks.size()];
        long[] th = new long[blocks.size()];
        for (int k = 0; k < blocks.size(); k++) {
          Object pair = blocks.getValue(k);
          if (pair instanceof JsonArray p && p.size() == 2) {
            bh[k] = hash(p.getValue(0), where + ".blocks[" + k + "][0]");
            th[k] = hash(p.getValue(1), where + ".blocks[" + k + "][1]");
          } else if (pair instanceof JsonObject p) {
            bh[k] = hash(p.getValue("block_hash"), where + ".blocks[" + k + "].block_hash");
            th[k] = hash(p.getValue("tokens_hash"), where + ".blocks[" + k + "].tokens_hash");
          } else {
            throw new DecodeException(where + ".blocks[" + k + "] is not a [block_hash, tokens_hash] pair");
          }
        }
        return parent == null
            ? KvEvent.Stored.root(bh, th)
            : KvEvent.Stored.under(hash(parent, where + ".parent_hash"), bh, th);
      }
      case "removed": {
        JsonArray arr = requireArray(e, "block_hashes");
        long[] bh = new long[arr.size()];
        for (int k = 0; k < bh.length; k++) {
          bh[k] = hash(arr.getValue(k), where + ".block_hashes[" + k + "]");
        }
        return new KvEvent.Removed(bh);
      }
      case "cleared":
        return KvEvent.Cleared.INSTANCE;
      default:
        throw new DecodeException(where + ": unknown event type '" + type + "'");
    }
  }

  /** A u64 hash from an unsigned decimal string or a JSON integer (signed or unsigned). */
  static long hash(Object v, String where) throws DecodeException {
    if (v instanceof String s) {
      try {
        return Long.parseUnsignedLong(s);
      } catch (NumberFormatException e) {
        throw new DecodeException(where + ": not an unsigned 64-bit decimal: '" + abbreviate(s) + "'");
      }
    }
    if (v instanceof Integer || v instanceof Long || v instanceof Short || v instanceof Byte) {
      return ((Number) v).longValue();
    }
    if (v instanceof BigInteger b) {
      if (b.signum() >= 0 && b.compareTo(TWO_64) < 0) {
        return b.longValue();
      }
      throw new DecodeException(where + ": hash out of the u64 range");
    }
    throw new DecodeException(where + ": hash must be a string or an integer");
  }

  private static JsonObject parse(String json) throws DecodeException {
    if (json == null) {
      throw new DecodeException("empty body");
    }
    try {
      return new JsonObject(json);
    } catch (RuntimeException e) {
      throw new DecodeException("not a JSON object: " + abbreviate(String.valueOf(e.getMessage())));
    }
  }

  private static String requireString(JsonObject o, String key) throws DecodeException {
    if (o.getValue(key) instanceof String s) {
      return s;
    }
    throw new DecodeException("missing string field '" + key + "'");
  }

  private static long requireLong(JsonObject o, String key) throws DecodeException {
    Object v = o.getValue(key);
    if (v instanceof Integer || v instanceof Long || v instanceof Short || v instanceof Byte) {
      return ((Number) v).longValue();
    }
    throw new DecodeException("missing integer field '" + key + "'");
  }

  private static JsonArray requireArray(JsonObject o, String key) throws DecodeException {
    if (o.getValue(key) instanceof JsonArray a) {
      return a;
    }
    throw new DecodeException("missing array field '" + key + "'");
  }

  private static String abbreviate(String s) {
    return s.length() <= 80 ? s : s.substring(0, 80) + "...";
  }
}

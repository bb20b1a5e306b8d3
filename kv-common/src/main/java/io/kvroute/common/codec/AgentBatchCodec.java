package io.kvroute.common.codec;

import io.kvroute.common.event.KvEvent;
import io.kvroute.common.event.KvEventBatch;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import org.msgpack.core.MessageBufferPacker;

/**
 * The agent→router KV event payload (DESIGN §4): a msgpack array {@code [ts f64, [event...], dp_rank int]} with
 * event maps {@code {"type":"stored","parent_hash":u64|nil,"blocks":[[block_hash, tokens_hash],...]}},
 * {@code {"type":"removed","block_hashes":[...]}} and {@code {"type":"cleared"}}.
 *
 * <p>Hashes are written as msgpack uint64 when ≥ 2^63 (never as negative int64) and read from any integer format,
 * signed or unsigned. Decoding accepts keys in any order, ignores unknown keys and extra trailing array elements,
 * and rejects anything else with a {@link DecodeException}.
 */
public final class AgentBatchCodec {

  private AgentBatchCodec() {
  }

  public static byte[] encode(KvEventBatch batch) {
    try (MessageBufferPacker p = MsgpackWriting.packer()) {
      byte[] scratch = new byte[9];
      p.packArrayHeader(3);
      p.packDouble(batch.timestamp());
      p.packArrayHeader(batch.events().size());
      for (KvEvent e : batch.events()) {
        writeEvent(p, e, scratch);
      }
      p.packInt(batch.dpRank());
      return p.toByteArray();
    } catch (IOException e) {
      throw MsgpackWriting.impossible(e);
    }
  }

  public static KvEventBatch decode(byte[] payload) throws DecodeException {
    if (payload == null) {
      throw new DecodeException("null payload");
    }
    MsgpackReader r = new MsgpackReader(payload);
    EventScan scan = new EventScan();
    int fields = BatchEnvelope.readHead(r);
    double ts = r.readDouble("ts");
    int count = r.readArrayHeader("events");
    List<KvEvent> events = new ArrayList<>(count);
    for (int i = 0; i < count; i++) {
      events.add(readEvent(r, scan));
    }
    Integer dpRank = BatchEnvelope.readTail(r, fields, "dp_rank");
    return new KvEventBatch(ts, events, dpRank == null ? 0 : dpRank);
  }

  /** Reads one agent-format event map; leaves the reader after the map. */
  static KvEvent readEvent(MsgpackReader r, EventScan scan) throws DecodeException {
    scan.scan(r);
    int end = r.position();
    int type = scan.type(r);
    KvEvent event = switch (type) {
      case EventScan.T_STORED -> readStored(r, scan);
      case EventScan.T_REMOVED -> new KvEvent.Removed(readHashesAt(r, scan, EventScan.BLOCK_HASHES, "block_hashes"));
      case EventScan.T_CLEARED -> KvEvent.Cleared.INSTANCE;
      default -> throw new DecodeException("not an agent event type");
    };
    r.position(end);
    return event;
  }

  /** Reads the stored event whose keys were just scanned. */
  static KvEvent.Stored readStored(MsgpackReader r, EventScan scan) throws DecodeException {
    boolean hasParent = false;
    long parent = 0;
    if (scan.seek(r, EventScan.PARENT_HASH) && !r.tryNil()) {
      hasParent = true;
      parent = r.readU64("parent_hash");
    }
    if (!scan.seek(r, EventScan.BLOCKS)) {
      throw new DecodeException("stored event without blocks");
    }
    int n = r.readArrayHeader("blocks");
    long[] blockHashes = new long[n];
    long[] tokensHashes = new long[n];
    for (int i = 0; i < n; i++) {
      int width = r.readArrayHeader("block");
      if (width < 2) {
        throw new DecodeException("block must be [block_hash, tokens_hash]");
      }
      blockHashes[i] = r.readU64("block_hash");
      tokensHashes[i] = r.readU64("tokens_hash");
      for (int j = 2; j < width; j++) {
        r.skip();
      }
    }
    return new KvEvent.Stored(hasParent, parent, blockHashes, tokensHashes);
  }

  /** An array of u64 at a scanned key (required). */
  static long[] readHashesAt(MsgpackReader r, EventScan scan, int key, String name) throws DecodeException {
    if (!scan.seek(r, key)) {
      throw new DecodeException("missing " + name);
    }
    return readHashes(r, name);
  }

  static long[] readHashes(MsgpackReader r, String name) throws DecodeException {
    int n = r.readArrayHeader(name);
    long[] out = new long[n];
    for (int i = 0; i < n; i++) {
      out[i] = r.readU64(name);
    }
    return out;
  }

  private static void writeEvent(MessageBufferPacker p, KvEvent e, byte[] scratch) throws IOException {
    if (e instanceof KvEvent.Stored s) {
      p.packMapHeader(3);
      p.packString("type").packString("stored");
      p.packString("parent_hash");
      if (s.hasParent()) {
        MsgpackWriting.packU64(p, s.parentHash(), scratch);
      } else {
        p.packNil();
      }
      p.packString("blocks");
      p.packArrayHeader(s.size());
      for (int i = 0; i < s.size(); i++) {
        p.packArrayHeader(2);
        MsgpackWriting.packU64(p, s.blockHashes()[i], scratch);
        MsgpackWriting.packU64(p, s.tokensHashes()[i], scratch);
      }
    } else if (e instanceof KvEvent.Removed rm) {
      p.packMapHeader(2);
      p.packString("type").packString("removed");
      p.packString("block_hashes");
      p.packArrayHeader(rm.blockHashes().length);
      for (long h : rm.blockHashes()) {
        MsgpackWriting.packU64(p, h, scratch);
      }
    } else {
      p.packMapHeader(1);
      p.packString("type").packString("cleared");
    }
  }
}

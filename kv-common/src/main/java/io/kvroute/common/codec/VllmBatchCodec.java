package io.kvroute.common.codec;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.msgpack.core.MessageBufferPacker;

/**
 * vLLM/SGLang KV event batches (DESIGN §3 {@code zmq}, reference notes §2.2-2.3): a msgpack array
 * {@code [ts, [event...], dp_rank?]} whose events are tagged maps or tagged positional arrays.
 *
 * <ul>
 *   <li>Map form: {@code type} = {@code BlockStored | BlockRemoved | AllBlocksCleared | Ignored}; fields in any
 *       order; unknown keys ignored.
 *   <li>Positional form: {@code BlockStored = [tag, block_hashes, parent_block_hash, token_ids, block_size,
 *       lora_id, medium, lora_name, extra_keys, ...]} (fields from {@code lora_id} on are optional; position 7 may be
 *       a map holding {@code cache_salt}); {@code BlockRemoved = [tag, block_hashes, medium?, ...]};
 *       {@code AllBlocksCleared = [tag, ...]}; extra elements are ignored.
 *   <li>Hashes: any msgpack integer, signed or unsigned (values ≥ 2^63 survive). Token ids: u32, or eagle bigram
 *       pairs (see {@link VllmEvent.BlockStored}).
 *   <li>Cache salt: {@code cache_salt}, a position-7 map, or a {@code dynamo-cache-salt:<salt>} string among the
 *       first block's {@code extra_keys}. The other extra keys are multimodal hashes, kept per block.
 *   <li>Hybrid-model and placement fields ({@code group_idx}, {@code kv_cache_spec_kind},
 *       {@code kv_cache_spec_sliding_window}, {@code locality}) are kept in {@link VllmEvent.Spec}; the router's
 *       {@link KvPayloadDecoder} filters on them.
 * </ul>
 * {@code Ignored} events are dropped; an unknown type tag is a {@link DecodeException}.
 */
public final class VllmBatchCodec {

  private static final byte[] SALT_PREFIX = "dynamo-cache-salt:".getBytes(StandardCharsets.US_ASCII);
  private static final byte[][] POSITION7_KEYS = MsgpackReader.keys("cache_salt", "lora_name");

  private VllmBatchCodec() {
  }

  public static VllmBatch decode(byte[] payload) throws DecodeException {
    if (payload == null) {
      throw new DecodeException("null payload");
    }
    MsgpackReader r = new MsgpackReader(payload);
    EventScan scan = new EventScan();
    int fields = BatchEnvelope.readHead(r);
    double ts = r.readDouble("ts");
    int count = r.readArrayHeader("events");
    List<VllmEvent> events = new ArrayList<>(count);
    for (int i = 0; i < count; i++) {
      VllmEvent e = readEvent(r, scan);
      if (e != null) {
        events.add(e);
      }
    }
    Integer dpRank = BatchEnvelope.readTail(r, fields, "data_parallel_rank");
    return new VllmBatch(ts, events, dpRank);
  }

  /** Map form, the way SGLang and custom publishers send it. */
  public static byte[] encode(VllmBatch batch) {
    return encode(batch, false);
  }

  /** Positional-array form, the way vLLM's msgspec ({@code array_like=True}) sends it. */
  public static byte[] encodePositional(VllmBatch batch) {
    return encode(batch, true);
  }

  /** One event of either form, or null for {@code Ignored}; leaves the reader after the event. */
  static VllmEvent readEvent(MsgpackReader r, EventScan scan) throws DecodeException {
    MsgpackReader.Kind kind = r.peekKind();
    if (kind == MsgpackReader.Kind.ARRAY) {
      int n = r.readArrayHeader("event");
      if (n < 1) {
        throw new DecodeException("empty positional event");
      }
      int type = EventScan.readTag(r);
      if (type < EventScan.T_BLOCK_STORED) {
        throw new DecodeException("unknown vLLM event type");
      }
      return readPositional(r, n, type);
    }
    if (kind != MsgpackReader.Kind.MAP) {
      throw new DecodeException("event must be a map or an array, found " + kind.name().toLowerCase());
    }
    scan.scan(r);
    int end = r.position();
    int type = scan.type(r);
    if (type < EventScan.T_BLOCK_STORED) {
      throw new DecodeException("unknown vLLM event type");
    }
    VllmEvent e = readMap(r, scan, type);
    r.position(end);
    return e;
  }

  /** A scanned map-form event of a vLLM type; null for Ignored. The caller repositions the reader. */
  static VllmEvent readMap(MsgpackReader r, EventScan scan, int type) throws DecodeException {
    switch (type) {
      case EventScan.T_BLOCK_STORED: {
        long[] hashes = AgentBatchCodec.readHashesAt(r, scan, EventScan.BLOCK_HASHES, "block_hashes");
        Long parent = null;
        if (scan.seek(r, EventScan.PARENT_BLOCK_HASH) && !r.tryNil()) {
          parent = r.readU64("parent_block_hash");
        }
        if (!scan.seek(r, EventScan.TOKEN_IDS)) {
          throw new DecodeException("BlockStored without token_ids");
        }
        Tokens tokens = readTokens(r);
        if (!scan.seek(r, EventScan.BLOCK_SIZE)) {
          throw new DecodeException("BlockStored without block_size");
        }
        int blockSize = readBlockSize(r);
        String lora = scan.seek(r, EventScan.LORA_NAME) ? r.readNullableString("lora_name") : null;
        String medium = scan.seek(r, EventScan.MEDIUM) ? r.readNullableString("medium") : null;
        String salt = scan.seek(r, EventScan.CACHE_SALT) ? r.readNullableString("cache_salt") : null;
        ExtraKeys extra = scan.seek(r, EventScan.EXTRA_KEYS) ? readExtraKeys(r, lora) : ExtraKeys.NONE;
        if (salt == null) {
          salt = extra.salt;
        }
        return new VllmEvent.BlockStored(hashes, parent, tokens.ids, blockSize, lora, medium, salt, tokens.bigram,
            extra.mmHashes, readSpec(r, scan));
      }
      case EventScan.T_BLOCK_REMOVED: {
        long[] hashes = AgentBatchCodec.readHashesAt(r, scan, EventScan.BLOCK_HASHES, "block_hashes");
        String medium = scan.seek(r, EventScan.MEDIUM) ? r.readNullableString("medium") : null;
        return new VllmEvent.BlockRemoved(hashes, medium, readSpec(r, scan));
      }
      case EventScan.T_ALL_BLOCKS_CLEARED:
        return new VllmEvent.AllBlocksCleared();
      default:
        return null;
    }
  }

  /** The rest of a positional event of {@code n} elements whose tag was just read; null for Ignored. */
  static VllmEvent readPositional(MsgpackReader r, int n, int type) throws DecodeException {
    int read = 1;
    VllmEvent event;
    switch (type) {
      case EventScan.T_BLOCK_STORED: {
        if (n < 5) {
          throw new DecodeException("positional BlockStored needs at least 5 elements, got " + n);
        }
        long[] hashes = AgentBatchCodec.readHashes(r, "block_hashes");
        Long parent = r.tryNil() ? null : r.readU64("parent_block_hash");
        Tokens tokens = readTokens(r);
        int blockSize = readBlockSize(r);
        read = 5;
        String medium = null;
        String lora = null;
        String salt = null;
        if (n > 5) {
          r.skip(); // 5: lora_id, superseded by lora_name
          read++;
        }
        if (n > 6) {
          medium = r.readNullableString("medium");
          read++;
        }
        if (n > 7) {
          if (r.peekKind() == MsgpackReader.Kind.MAP) {
            String[] loraAndSalt = readPosition7Map(r);
            lora = loraAndSalt[0];
            salt = loraAndSalt[1];
          } else {
            lora = r.readNullableString("lora_name");
          }
          read++;
        }
        ExtraKeys extra = ExtraKeys.NONE;
        if (n > 8) {
          extra = readExtraKeys(r, lora);
          if (salt == null) {
            salt = extra.salt;
          }
          read++;
        }
        if (n > 9) {
          r.skip(); // 9: block_mm_infos (the hashes come from extra_keys)
          read++;
        }
        VllmEvent.Spec spec = VllmEvent.Spec.NONE;
        if (n > 10) {
          spec = readPositionalSpec(r, n - 10);
          read = Math.min(n, 14);
        }
        event = new VllmEvent.BlockStored(hashes, parent, tokens.ids, blockSize, lora, medium, salt, tokens.bigram,
            extra.mmHashes, spec);
        break;
      }
      case EventScan.T_BLOCK_REMOVED: {
        if (n < 2) {
          throw new DecodeException("positional BlockRemoved needs block_hashes");
        }
        long[] hashes = AgentBatchCodec.readHashes(r, "block_hashes");
        read = 2;
        String medium = null;
        if (n > 2) {
          medium = r.readNullableString("medium");
          read++;
        }
        VllmEvent.Spec spec = VllmEvent.Spec.NONE;
        if (n > 3) {
          spec = readPositionalSpec(r, n - 3);
          read = Math.min(n, 7);
        }
        event = new VllmEvent.BlockRemoved(hashes, medium, spec);
        break;
      }
      case EventScan.T_ALL_BLOCKS_CLEARED:
        event = new VllmEvent.AllBlocksCleared();
        break;
      default:
        event = null;
    }
    for (int i = read; i < n; i++) {
      r.skip();
    }
    return event;
  }

  /** Token ids: u32 unigrams, or eagle bigram pairs flattened to n+1 unigrams. */
  record Tokens(int[] ids, boolean bigram) {
  }

  static Tokens readTokens(MsgpackReader r) throws DecodeException {
    int n = r.readArrayHeader("token_ids");
    if (n == 0) {
      return new Tokens(new int[0], false);
    }
    if (r.peekKind() != MsgpackReader.Kind.ARRAY) {
      int[] ids = new int[n];
      for (int i = 0; i < n; i++) {
        ids[i] = r.readU32("token_id");
      }
      return new Tokens(ids, false);
    }
    int[] ids = new int[n + 1];
    for (int i = 0; i < n; i++) {
      int width = r.readArrayHeader("token bigram");
      if (width < 2) {
        throw new DecodeException("token bigram needs 2 elements, got " + width);
      }
      ids[i] = r.readU32("token_id");
      int second = r.readU32("token_id");
      if (i == n - 1) {
        ids[n] = second;
      }
      for (int j = 2; j < width; j++) {
        r.skip();
      }
    }
    return new Tokens(ids, true);
  }

  private static int readBlockSize(MsgpackReader r) throws DecodeException {
    return (int) r.readLongInRange("block_size", 1, Integer.MAX_VALUE);
  }

  /** Position 7 as a map (SGLang "dynamo" format): {@code {cache_salt?, lora_name?}} → [lora, salt]. */
  private static String[] readPosition7Map(MsgpackReader r) throws DecodeException {
    String[] out = new String[2];
    int n = r.readMapHeader("position 7");
    for (int i = 0; i < n; i++) {
      int k = r.readKey(POSITION7_KEYS);
      if (k == 0) {
        out[1] = r.readNullableString("cache_salt");
      } else if (k == 1) {
        out[0] = r.readNullableString("lora_name");
      } else {
        r.skip();
      }
    }
    return out;
  }

  /** What {@code extra_keys} carries: the cache salt of the first block and the multimodal hashes per block. */
  record ExtraKeys(String salt, long[][] mmHashes) {
    static final ExtraKeys NONE = new ExtraKeys(null, null);
  }

  /**
   * Reads a whole {@code extra_keys} value (nil or one entry per block; reference notes §2.3): a
   * {@code dynamo-cache-salt:<salt>} string in the first block's entry is the cache salt; bare 64-hex strings are
   * multimodal hashes (first 16 hex digits); {@code (identifier, offset)} tuples are hashed with
   * {@link #hashMmIdentifier}; a value equal to {@code loraName} is skipped; bytes, numbers and bools are ignored.
   */
  static ExtraKeys readExtraKeys(MsgpackReader r, String loraName) throws DecodeException {
    if (r.tryNil()) {
      return ExtraKeys.NONE;
    }
    if (r.peekKind() != MsgpackReader.Kind.ARRAY) {
      r.skip();
      return ExtraKeys.NONE;
    }
    int blocks = r.readArrayHeader("extra_keys");
    String salt = null;
    long[][] mm = null;
    long[] acc = new long[4];
    for (int b = 0; b < blocks; b++) {
      if (r.peekKind() != MsgpackReader.Kind.ARRAY) {
        r.skip();
        continue;
      }
      int keys = r.readArrayHeader("extra_keys entry");
      int count = 0;
      for (int k = 0; k < keys; k++) {
        MsgpackReader.Kind kind = r.peekKind();
        long hash;
        if (kind == MsgpackReader.Kind.STR) {
          if (b == 0 && salt == null && r.peekStringStartsWith(SALT_PREFIX)) {
            salt = r.readString("extra key").substring(SALT_PREFIX.length);
            continue;
          }
          String s = r.readString("extra key");
          if (s.equals(loraName) || !isHex64(s)) {
            continue;
          }
          hash = Long.parseUnsignedLong(s, 0, 16, 16);
        } else if (kind == MsgpackReader.Kind.ARRAY) {
          int m = r.readArrayHeader("extra key tuple");
          String id = m > 0 && r.peekKind() == MsgpackReader.Kind.STR ? r.readString("mm identifier") : null;
          for (int i = id == null ? 0 : 1; i < m; i++) {
            r.skip();
          }
          if (id == null || id.isEmpty() || id.equals(loraName)) {
            continue;
          }
          hash = hashMmIdentifier(id);
        } else {
          r.skip();
          continue;
        }
        if (count == acc.length) {
          acc = java.util.Arrays.copyOf(acc, count * 2);
        }
        acc[count++] = hash;
      }
      if (count > 0) {
        if (mm == null) {
          mm = new long[blocks][];
        }
        mm[b] = java.util.Arrays.copyOf(acc, count);
      }
    }
    return new ExtraKeys(salt == null || salt.isEmpty() ? null : salt, mm);
  }

  /**
   * Dynamo's {@code hash_mm_identifier}: a 64-character hex digest → its first 16 hex digits as u64; any other
   * non-empty string → XXH3-64 of its UTF-8 bytes with seed 0.
   */
  public static long hashMmIdentifier(String id) {
    if (isHex64(id)) {
      return Long.parseUnsignedLong(id, 0, 16, 16);
    }
    return io.kvroute.common.hash.BlockHasher.hashBytes(id.getBytes(StandardCharsets.UTF_8), 0L);
  }

  static boolean isHex64(String s) {
    if (s.length() != 64) {
      return false;
    }
    for (int i = 0; i < 64; i++) {
      if (Character.digit(s.charAt(i), 16) < 0) {
        return false;
      }
    }
    return true;
  }

  /** Map form: {@code group_idx}, {@code kv_cache_spec_kind}, {@code kv_cache_spec_sliding_window}, {@code locality}. */
  private static VllmEvent.Spec readSpec(MsgpackReader r, EventScan scan) throws DecodeException {
    Integer group = scan.seek(r, EventScan.GROUP_IDX) ? optInt(r) : null;
    String kind = scan.seek(r, EventScan.SPEC_KIND) ? optString(r) : null;
    Integer window = scan.seek(r, EventScan.SLIDING_WINDOW) ? optInt(r) : null;
    String locality = scan.seek(r, EventScan.LOCALITY) ? optString(r) : null;
    return group == null && kind == null && window == null && locality == null ? VllmEvent.Spec.NONE
        : new VllmEvent.Spec(group, kind, window, locality);
  }

  /**
   * Positional tail {@code [group_idx, kv_cache_spec_kind, kv_cache_spec_sliding_window, locality]}, of which
   * {@code available} elements are present (at most 4 are read); a slot of an unexpected type counts as absent.
   */
  private static VllmEvent.Spec readPositionalSpec(MsgpackReader r, int available) throws DecodeException {
    Integer group = optInt(r);
    String kind = available > 1 ? optString(r) : null;
    Integer window = available > 2 ? optInt(r) : null;
    String locality = available > 3 ? optString(r) : null;
    return group == null && kind == null && window == null && locality == null ? VllmEvent.Spec.NONE
        : new VllmEvent.Spec(group, kind, window, locality);
  }

  private static Integer optInt(MsgpackReader r) throws DecodeException {
    if (r.peekKind() != MsgpackReader.Kind.INT) {
      r.skip();
      return null;
    }
    return (int) r.readLongInRange("int field", 0, Integer.MAX_VALUE);
  }

  private static String optString(MsgpackReader r) throws DecodeException {
    if (r.peekKind() != MsgpackReader.Kind.STR) {
      r.skip();
      return null;
    }
    return r.readString("string field");
  }

  private static byte[] encode(VllmBatch batch, boolean positional) {
    try (MessageBufferPacker p = MsgpackWriting.packer()) {
      byte[] scratch = new byte[9];
      p.packArrayHeader(3);
      p.packDouble(batch.ts());
      p.packArrayHeader(batch.events().size());
      for (VllmEvent e : batch.events()) {
        if (positional) {
          writePositional(p, e, scratch);
        } else {
          writeMap(p, e, scratch);
        }
      }
      if (batch.dpRank() == null) {
        p.packNil();
      } else {
        p.packInt(batch.dpRank());
      }
      return p.toByteArray();
    } catch (IOException e) {
      throw MsgpackWriting.impossible(e);
    }
  }

  private static void writeMap(MessageBufferPacker p, VllmEvent e, byte[] scratch) throws IOException {
    if (e instanceof VllmEvent.BlockStored s) {
      int fields = 5 + (s.loraName() != null ? 1 : 0) + (s.medium() != null ? 1 : 0) + (s.cacheSalt() != null ? 1 : 0)
          + (s.mmHashes() != null ? 1 : 0) + specFields(s.spec());
      p.packMapHeader(fields);
      p.packString("type").packString("BlockStored");
      p.packString("block_hashes");
      writeHashes(p, s.blockHashes(), scratch);
      p.packString("parent_block_hash");
      writeNullableU64(p, s.parentBlockHash(), scratch);
      p.packString("token_ids");
      writeTokens(p, s);
      p.packString("block_size").packInt(s.blockSize());
      if (s.loraName() != null) {
        p.packString("lora_name").packString(s.loraName());
      }
      if (s.medium() != null) {
        p.packString("medium").packString(s.medium());
      }
      if (s.cacheSalt() != null) {
        p.packString("cache_salt").packString(s.cacheSalt());
      }
      if (s.mmHashes() != null) {
        p.packString("extra_keys");
        writeExtraKeys(p, s.mmHashes());
      }
      writeSpecMap(p, s.spec());
    } else if (e instanceof VllmEvent.BlockRemoved rm) {
      p.packMapHeader((rm.medium() != null ? 3 : 2) + specFields(rm.spec()));
      p.packString("type").packString("BlockRemoved");
      p.packString("block_hashes");
      writeHashes(p, rm.blockHashes(), scratch);
      if (rm.medium() != null) {
        p.packString("medium").packString(rm.medium());
      }
      writeSpecMap(p, rm.spec());
    } else {
      p.packMapHeader(1);
      p.packString("type").packString("AllBlocksCleared");
    }
  }

  private static void writePositional(MessageBufferPacker p, VllmEvent e, byte[] scratch) throws IOException {
    if (e instanceof VllmEvent.BlockStored s) {
      // A salt travels as a position-7 map (the SGLang "dynamo" form), which then also carries the LoRA name.
      boolean tail = !s.spec().isEmpty();
      p.packArrayHeader(tail ? 14 : 9);
      p.packString("BlockStored");
      writeHashes(p, s.blockHashes(), scratch);
      writeNullableU64(p, s.parentBlockHash(), scratch);
      writeTokens(p, s);
      p.packInt(s.blockSize());
      p.packNil(); // lora_id
      MsgpackWriting.packNullableString(p, s.medium());
      if (s.cacheSalt() != null) {
        p.packMapHeader(s.loraName() != null ? 2 : 1);
        p.packString("cache_salt").packString(s.cacheSalt());
        if (s.loraName() != null) {
          p.packString("lora_name").packString(s.loraName());
        }
      } else {
        MsgpackWriting.packNullableString(p, s.loraName());
      }
      if (s.mmHashes() != null) {
        writeExtraKeys(p, s.mmHashes());
      } else {
        p.packNil(); // extra_keys
      }
      if (tail) {
        p.packNil(); // block_mm_infos
        writeSpecTail(p, s.spec());
      }
    } else if (e instanceof VllmEvent.BlockRemoved rm) {
      boolean tail = !rm.spec().isEmpty();
      p.packArrayHeader(tail ? 7 : 3);
      p.packString("BlockRemoved");
      writeHashes(p, rm.blockHashes(), scratch);
      MsgpackWriting.packNullableString(p, rm.medium());
      if (tail) {
        writeSpecTail(p, rm.spec());
      }
    } else {
      p.packArrayHeader(1);
      p.packString("AllBlocksCleared");
    }
  }

  private static int specFields(VllmEvent.Spec spec) {
    return (spec.groupIdx() != null ? 1 : 0) + (spec.kind() != null ? 1 : 0) + (spec.slidingWindow() != null ? 1 : 0)
        + (spec.locality() != null ? 1 : 0);
  }

  private static void writeSpecMap(MessageBufferPacker p, VllmEvent.Spec spec) throws IOException {
    if (spec.groupIdx() != null) {
      p.packString("group_idx").packInt(spec.groupIdx());
    }
    if (spec.kind() != null) {
      p.packString("kv_cache_spec_kind").packString(spec.kind());
    }
    if (spec.slidingWindow() != null) {
      p.packString("kv_cache_spec_sliding_window").packInt(spec.slidingWindow());
    }
    if (spec.locality() != null) {
      p.packString("locality").packString(spec.locality());
    }
  }

  private static void writeSpecTail(MessageBufferPacker p, VllmEvent.Spec spec) throws IOException {
    if (spec.groupIdx() == null) {
      p.packNil();
    } else {
      p.packInt(spec.groupIdx());
    }
    MsgpackWriting.packNullableString(p, spec.kind());
    if (spec.slidingWindow() == null) {
      p.packNil();
    } else {
      p.packInt(spec.slidingWindow());
    }
    MsgpackWriting.packNullableString(p, spec.locality());
  }

  /** Multimodal hashes as bare 64-hex strings (16 significant digits, zero-padded), which decode back exactly. */
  private static void writeExtraKeys(MessageBufferPacker p, long[][] mm) throws IOException {
    p.packArrayHeader(mm.length);
    for (long[] block : mm) {
      if (block == null) {
        p.packNil();
        continue;
      }
      p.packArrayHeader(block.length);
      for (long h : block) {
        String hex = Long.toHexString(h);
        p.packString("0".repeat(16 - hex.length()) + hex + "0".repeat(48));
      }
    }
  }

  private static void writeHashes(MessageBufferPacker p, long[] hashes, byte[] scratch) throws IOException {
    p.packArrayHeader(hashes.length);
    for (long h : hashes) {
      MsgpackWriting.packU64(p, h, scratch);
    }
  }

  private static void writeNullableU64(MessageBufferPacker p, Long v, byte[] scratch) throws IOException {
    if (v == null) {
      p.packNil();
    } else {
      MsgpackWriting.packU64(p, v, scratch);
    }
  }

  /** Unigrams as u32; bigram events back as pairs {@code (t_i, t_(i+1))}. */
  private static void writeTokens(MessageBufferPacker p, VllmEvent.BlockStored s) throws IOException {
    int[] t = s.tokenIds();
    if (!s.bigram()) {
      p.packArrayHeader(t.length);
      for (int id : t) {
        p.packLong(Integer.toUnsignedLong(id));
      }
      return;
    }
    int pairs = Math.max(0, t.length - 1);
    p.packArrayHeader(pairs);
    for (int i = 0; i < pairs; i++) {
      p.packArrayHeader(2).packLong(Integer.toUnsignedLong(t[i])).packLong(Integer.toUnsignedLong(t[i + 1]));
    }
  }
}

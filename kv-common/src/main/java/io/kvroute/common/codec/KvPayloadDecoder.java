package io.kvroute.common.codec;

import io.kvroute.common.event.KvEvent;
import io.kvroute.common.event.KvEventBatch;
import io.kvroute.common.hash.BlockHasher;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * Router-side decoder of one KV event subscription's payloads. Accepts the agent format (DESIGN §4, tokens_hash
 * already computed) and the vLLM/SGLang formats (DESIGN §3 {@code zmq}, both map and positional events), detected
 * per event, and turns both into {@link KvEventBatch}es:
 *
 * <ul>
 *   <li>vLLM {@code BlockStored} → {@link KvEvent.Stored} with tokens_hash computed by {@link BlockHasher} (seed
 *       from lora_name / cache_salt; eagle bigram events hash B+1 tokens per block, as Dynamo does);
 *   <li>events whose {@code block_size} differs from the router's → dropped ({@code block_size_mismatch});
 *   <li>events on a non-device medium → dropped ({@code non_device_medium}): only device blocks feed the index;
 *   <li>a stored event whose hashes repeat within {@code block_hashes ∪ {parent}} → dropped
 *       ({@code self_reference}, Dynamo's self-reference guard);
 *   <li>a stored event whose token_ids run short keeps only the blocks with all their tokens
 *       ({@code short_token_ids});
 *   <li>unknown type tags → dropped ({@code unknown_event_type}); one malformed event → dropped ({@code malformed})
 *       while the others survive; {@code Ignored} events vanish silently.
 * </ul>
 * A payload whose batch structure is broken is dropped whole ({@link Result#dropped}, reason {@code malformed}).
 *
 * <p>One instance per subscription, used from one thread: it reuses its reader and caches the last LoRA/salt
 * hasher, so a message costs the output arrays and little else.
 */
public final class KvPayloadDecoder {

  public static final String MALFORMED = "malformed";
  public static final String BLOCK_SIZE_MISMATCH = "block_size_mismatch";
  public static final String NON_DEVICE_MEDIUM = "non_device_medium";
  public static final String SELF_REFERENCE = "self_reference";
  public static final String SHORT_TOKEN_IDS = "short_token_ids";
  public static final String UNKNOWN_EVENT_TYPE = "unknown_event_type";

  /** One event left out of an otherwise good batch: {@code reason} is one of the constants above. */
  public record DroppedEvent(String reason, String detail) {
  }

  /**
   * Either {@code ok}: {@code batch} is set (possibly with fewer events than were sent, see
   * {@code droppedEvents}), or {@code dropped}: {@code batch} is null and {@code reason}/{@code detail} say why.
   */
  public record Result(KvEventBatch batch, String reason, String detail, List<DroppedEvent> droppedEvents) {

    public static Result ok(KvEventBatch batch, List<DroppedEvent> droppedEvents) {
      return new Result(Objects.requireNonNull(batch), null, null, List.copyOf(droppedEvents));
    }

    public static Result ok(KvEventBatch batch) {
      return ok(batch, List.of());
    }

    public static Result dropped(String reason, String detail) {
      return new Result(null, reason, detail, List.of());
    }

    public boolean isOk() {
      return batch != null;
    }
  }

  private final int blockSize;
  private final BlockHasher baseHasher;
  private final MsgpackReader reader = new MsgpackReader();
  private final EventScan scan = new EventScan();
  private String cachedLora;
  private String cachedSalt;
  private BlockHasher cachedHasher;

  public KvPayloadDecoder(int blockSize) {
    this.baseHasher = BlockHasher.create(blockSize);
    this.blockSize = blockSize;
  }

  public int blockSize() {
    return blockSize;
  }

  public Result decode(byte[] payload) {
    if (payload == null) {
      return Result.dropped(MALFORMED, "null payload");
    }
    MsgpackReader r = reader.wrap(payload);
    try {
      int fields = r.readArrayHeader("batch");
      if (fields < 2) {
        return Result.dropped(MALFORMED, "batch must have at least 2 elements, got " + fields);
      }
      double ts = r.readDouble("ts");
      int count = r.readArrayHeader("events");
      List<KvEvent> events = new ArrayList<>(count);
      List<DroppedEvent> dropped = new ArrayList<>(0);
      for (int i = 0; i < count; i++) {
        int start = r.position();
        try {
          readEvent(r, events, dropped);
        } catch (DecodeException e) {
          // Malformed inside, but maybe well-formed as msgpack: skip just this event if its extent is readable.
          r.position(start);
          r.skip();
          dropped.add(new DroppedEvent(MALFORMED, "event " + i + ": " + e.getMessage()));
        }
      }
      int dpRank = 0;
      if (fields >= 3 && !r.tryNil()) {
        dpRank = r.readInt("dp_rank");
      }
      for (int i = 3; i < fields; i++) {
        r.skip();
      }
      if (!r.atEnd()) {
        return Result.dropped(MALFORMED, r.remaining() + " trailing bytes after batch");
      }
      return Result.ok(new KvEventBatch(ts, events, dpRank), dropped);
    } catch (DecodeException e) {
      return Result.dropped(MALFORMED, e.getMessage());
    }
  }

  private void readEvent(MsgpackReader r, List<KvEvent> out, List<DroppedEvent> dropped) throws DecodeException {
    MsgpackReader.Kind kind = r.peekKind();
    VllmEvent vllm;
    if (kind == MsgpackReader.Kind.MAP) {
      scan.scan(r);
      int end = r.position();
      int type = scan.type(r);
      switch (type) {
        case EventScan.T_STORED -> out.add(AgentBatchCodec.readStored(r, scan));
        case EventScan.T_REMOVED -> out.add(new KvEvent.Removed(
            AgentBatchCodec.readHashesAt(r, scan, EventScan.BLOCK_HASHES, "block_hashes")));
        case EventScan.T_CLEARED -> out.add(KvEvent.Cleared.INSTANCE);
        default -> {
        }
      }
      vllm = type >= EventScan.T_BLOCK_STORED ? VllmBatchCodec.readMap(r, scan, type) : null;
      r.position(end);
      if (type < 0) {
        dropped.add(new DroppedEvent(UNKNOWN_EVENT_TYPE, "unknown event type in map event"));
      }
    } else if (kind == MsgpackReader.Kind.ARRAY) {
      int n = r.readArrayHeader("event");
      if (n < 1) {
        throw new DecodeException("empty positional event");
      }
      int type = EventScan.readTag(r);
      if (type < EventScan.T_BLOCK_STORED) {
        for (int i = 1; i < n; i++) {
          r.skip();
        }
        dropped.add(new DroppedEvent(UNKNOWN_EVENT_TYPE, "unknown event type in positional event"));
        return;
      }
      vllm = VllmBatchCodec.readPositional(r, n, type);
    } else {
      throw new DecodeException("event must be a map or an array, found " + kind.name().toLowerCase());
    }
    if (vllm != null) {
      convert(vllm, out, dropped);
    }
  }

  private void convert(VllmEvent e, List<KvEvent> out, List<DroppedEvent> dropped) {
    if (e instanceof VllmEvent.BlockStored s) {
      if (!isDevice(s.medium())) {
        dropped.add(new DroppedEvent(NON_DEVICE_MEDIUM, "BlockStored on medium " + s.medium()));
        return;
      }
      if (s.blockSize() != blockSize) {
        dropped.add(new DroppedEvent(BLOCK_SIZE_MISMATCH,
            "Block not published. Block size must be " + blockSize + ", event has " + s.blockSize()));
        return;
      }
      if (hasRepeatedHash(s.blockHashes(), s.parentBlockHash())) {
        dropped.add(new DroppedEvent(SELF_REFERENCE, "a hash repeats within block_hashes and parent_block_hash"));
        return;
      }
      BlockHasher hasher = hasherFor(s.loraName(), s.cacheSalt());
      int perBlock = blockSize + (s.bigram() ? 1 : 0);
      int[] tokens = s.tokenIds();
      long[] blocks = s.blockHashes();
      long[] tokensHashes = new long[blocks.length];
      int done = 0;
      while (done < blocks.length && (long) done * blockSize + perBlock <= tokens.length) {
        tokensHashes[done] = hasher.blockHash(tokens, done * blockSize, perBlock);
        done++;
      }
      if (done < blocks.length) {
        dropped.add(new DroppedEvent(SHORT_TOKEN_IDS, "token_ids cover " + done + " of " + blocks.length
            + " blocks (" + tokens.length + " tokens)"));
        if (done == 0) {
          return;
        }
        blocks = Arrays.copyOf(blocks, done);
        tokensHashes = Arrays.copyOf(tokensHashes, done);
      }
      Long parent = s.parentBlockHash();
      out.add(parent == null ? KvEvent.Stored.root(blocks, tokensHashes)
          : KvEvent.Stored.under(parent, blocks, tokensHashes));
    } else if (e instanceof VllmEvent.BlockRemoved rm) {
      if (!isDevice(rm.medium())) {
        dropped.add(new DroppedEvent(NON_DEVICE_MEDIUM, "BlockRemoved on medium " + rm.medium()));
        return;
      }
      out.add(new KvEvent.Removed(rm.blockHashes()));
    } else {
      out.add(KvEvent.Cleared.INSTANCE);
    }
  }

  /** Device tier per Dynamo's {@code StorageTier::from_kv_medium}: absent, {@code GPU} or {@code DEVICE}. */
  static boolean isDevice(String medium) {
    return medium == null || medium.equalsIgnoreCase("GPU") || medium.equalsIgnoreCase("DEVICE");
  }

  private BlockHasher hasherFor(String lora, String salt) {
    boolean noLora = lora == null || lora.isEmpty();
    boolean noSalt = salt == null || salt.isEmpty();
    if (noLora && noSalt) {
      return baseHasher;
    }
    if (cachedHasher == null || !Objects.equals(lora, cachedLora) || !Objects.equals(salt, cachedSalt)) {
      cachedHasher = BlockHasher.create(blockSize, lora, salt);
      cachedLora = lora;
      cachedSalt = salt;
    }
    return cachedHasher;
  }

  static boolean hasRepeatedHash(long[] hashes, Long parent) {
    int n = hashes.length + (parent == null ? 0 : 1);
    if (n < 2) {
      return false;
    }
    if (n <= 32) {
      for (int i = 0; i < hashes.length; i++) {
        if (parent != null && hashes[i] == parent) {
          return true;
        }
        for (int j = i + 1; j < hashes.length; j++) {
          if (hashes[i] == hashes[j]) {
            return true;
          }
        }
      }
      return false;
    }
    long[] all = Arrays.copyOf(hashes, n);
    if (parent != null) {
      all[n - 1] = parent;
    }
    Arrays.sort(all);
    for (int i = 1; i < n; i++) {
      if (all[i] == all[i - 1]) {
        return true;
      }
    }
    return false;
  }
}

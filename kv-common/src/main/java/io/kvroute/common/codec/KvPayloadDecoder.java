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
 *       while the others survive; {@code Ignored} events vanish silently;
 *   <li>{@code locality} {@code REMOTE} → dropped ({@code remote_locality}), any other value but {@code LOCAL} →
 *       dropped ({@code unknown_locality}); absent = local;
 *   <li>hybrid models (reference notes §2.4): per {@code (dp_rank, group_idx)} the decoder learns
 *       {@code (kv_cache_spec_kind, sliding window)} from stored events. An event whose kind is a main-attention
 *       kind ({@link #MAIN_ATTENTION_KINDS}) is kept; any other kind, known or not, is dropped
 *       ({@code not_main_attention}). An event with only a {@code group_idx} follows what was learned for its group;
 *       an unlearned group 0 is accepted, another unlearned group is dropped ({@code unlearned_group});
 *   <li>cache namespace: a stored event without {@code cache_salt} under a parent hash known to belong to a
 *       namespace inherits it; if that parent was seen in two namespaces the event is dropped
 *       ({@code ambiguous_namespace});
 *   <li>multimodal hashes from {@code extra_keys} enter the tokens_hash of their block
 *       ({@link BlockHasher#blockHash(int[], int, int, long[])}).
 * </ul>
 * A payload whose batch structure is broken is dropped whole ({@link Result#dropped}, reason {@code malformed}).
 *
 * <p>One instance per subscription, used from one thread: it reuses its reader and caches the last LoRA/salt
 * hasher, so a message costs the output arrays and little else. Its learned state is bounded: at most
 * {@link #MAX_LEARNED_GROUPS} groups (cleared when full) and {@link #MAX_NAMESPACE_HASHES} namespaced block hashes
 * (least recently used evicted; removed blocks forgotten; everything forgotten on {@code AllBlocksCleared}).
 */
public final class KvPayloadDecoder {

  public static final String MALFORMED = "malformed";
  public static final String BLOCK_SIZE_MISMATCH = "block_size_mismatch";
  public static final String NON_DEVICE_MEDIUM = "non_device_medium";
  public static final String SELF_REFERENCE = "self_reference";
  public static final String SHORT_TOKEN_IDS = "short_token_ids";
  public static final String UNKNOWN_EVENT_TYPE = "unknown_event_type";
  public static final String REMOTE_LOCALITY = "remote_locality";
  public static final String UNKNOWN_LOCALITY = "unknown_locality";
  public static final String NOT_MAIN_ATTENTION = "not_main_attention";
  public static final String UNLEARNED_GROUP = "unlearned_group";
  public static final String AMBIGUOUS_NAMESPACE = "ambiguous_namespace";

  /** {@code kv_cache_spec_kind} values of main (full) attention, compared ignoring case. */
  public static final java.util.Set<String> MAIN_ATTENTION_KINDS = java.util.Set.of("full_attention",
      "mla_attention", "fullattentionspec", "mlaattentionspec", "full", "mla");
  static final int MAX_LEARNED_GROUPS = 4096;
  static final int MAX_NAMESPACE_HASHES = 65_536;
  /** Marks a block hash seen in two namespaces (compared by identity). */
  private static final String AMBIGUOUS = new String("<ambiguous>");

  /** What one (dp_rank, group_idx) is: its kind, sliding window and whether that is main attention. */
  record LearnedGroup(String kind, Integer slidingWindow, boolean main) {
  }

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
  private final java.util.HashMap<Long, LearnedGroup> groups = new java.util.HashMap<>();
  private final java.util.LinkedHashMap<Long, String> namespaceByHash =
      new java.util.LinkedHashMap<>(1024, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(java.util.Map.Entry<Long, String> eldest) {
          return size() > MAX_NAMESPACE_HASHES;
        }
      };
  /** The batch being decoded, for reading its dp_rank ahead of its events when a hybrid event needs it. */
  private byte[] currentPayload;
  private int currentEventsAt;
  private int currentFields;
  /** dp_rank of the batch being decoded; -1 = not read yet. */
  private int currentDpRank;
  private final MsgpackReader ahead = new MsgpackReader();

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
      int fields = BatchEnvelope.readHead(r);
      double ts = r.readDouble("ts");
      currentPayload = payload;
      currentEventsAt = r.position();
      currentFields = fields;
      currentDpRank = -1;
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
      Integer dpRank = BatchEnvelope.readTail(r, fields, "dp_rank");
      return Result.ok(new KvEventBatch(ts, events, dpRank == null ? 0 : dpRank), dropped);
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
      if (!localityKept(s.spec(), "BlockStored", dropped) || !attentionKept(s.spec(), true, "BlockStored", dropped)) {
        return;
      }
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
      String namespace = s.cacheSalt();
      if ((namespace == null || namespace.isEmpty()) && s.parentBlockHash() != null) {
        namespace = namespaceByHash.get(s.parentBlockHash());
        if (namespace == AMBIGUOUS) {
          dropped.add(new DroppedEvent(AMBIGUOUS_NAMESPACE, "parent "
              + Long.toUnsignedString(s.parentBlockHash()) + " was stored in more than one cache namespace"));
          return;
        }
      }
      BlockHasher hasher = hasherFor(s.loraName(), namespace);
      int perBlock = blockSize + (s.bigram() ? 1 : 0);
      int[] tokens = s.tokenIds();
      long[] blocks = s.blockHashes();
      long[] tokensHashes = new long[blocks.length];
      int done = 0;
      while (done < blocks.length && (long) done * blockSize + perBlock <= tokens.length) {
        tokensHashes[done] = hasher.blockHash(tokens, done * blockSize, perBlock, s.mmHashesOf(done));
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
      if (namespace != null && !namespace.isEmpty()) {
        for (long b : blocks) {
          String known = namespaceByHash.putIfAbsent(b, namespace);
          if (known != null && known != AMBIGUOUS && !known.equals(namespace)) {
            namespaceByHash.put(b, AMBIGUOUS);
          }
        }
      }
      Long parent = s.parentBlockHash();
      out.add(parent == null ? KvEvent.Stored.root(blocks, tokensHashes)
          : KvEvent.Stored.under(parent, blocks, tokensHashes));
    } else if (e instanceof VllmEvent.BlockRemoved rm) {
      if (!localityKept(rm.spec(), "BlockRemoved", dropped)
          || !attentionKept(rm.spec(), false, "BlockRemoved", dropped)) {
        return;
      }
      if (!isDevice(rm.medium())) {
        dropped.add(new DroppedEvent(NON_DEVICE_MEDIUM, "BlockRemoved on medium " + rm.medium()));
        return;
      }
      if (!namespaceByHash.isEmpty()) {
        for (long h : rm.blockHashes()) {
          namespaceByHash.remove(h);
        }
      }
      out.add(new KvEvent.Removed(rm.blockHashes()));
    } else {
      namespaceByHash.clear();
      out.add(KvEvent.Cleared.INSTANCE);
    }
  }

  /** {@code locality}: absent or {@code LOCAL} kept; {@code REMOTE} and unknown values dropped (Dynamo convert.rs). */
  private static boolean localityKept(VllmEvent.Spec spec, String what, List<DroppedEvent> dropped) {
    String locality = spec.locality();
    if (locality == null || locality.equalsIgnoreCase("LOCAL")) {
      return true;
    }
    boolean remote = locality.equalsIgnoreCase("REMOTE");
    dropped.add(new DroppedEvent(remote ? REMOTE_LOCALITY : UNKNOWN_LOCALITY, what + " with locality " + locality));
    return false;
  }

  /**
   * Hybrid-model filter per (dp_rank, group_idx): a kind on the event decides (and, on stored events, is learned);
   * otherwise what was learned for the group decides; unlearned group 0 passes, other unlearned groups do not.
   */
  private boolean attentionKept(VllmEvent.Spec spec, boolean learn, String what, List<DroppedEvent> dropped) {
    Integer group = spec.groupIdx();
    String kind = spec.kind();
    if (kind != null) {
      boolean main = isMainAttention(kind);
      if (learn) {
        if (groups.size() >= MAX_LEARNED_GROUPS) {
          groups.clear();
        }
        groups.put(groupKey(dpRank(), group == null ? 0 : group),
            new LearnedGroup(kind, spec.slidingWindow(), main));
      }
      if (!main) {
        dropped.add(new DroppedEvent(NOT_MAIN_ATTENTION, what + " of kv_cache_spec_kind " + kind
            + (group == null ? "" : " (group " + group + ")")));
      }
      return main;
    }
    if (group == null) {
      return true;
    }
    LearnedGroup learned = groups.get(groupKey(dpRank(), group));
    if (learned == null) {
      if (group == 0) {
        return true;
      }
      dropped.add(new DroppedEvent(UNLEARNED_GROUP, what + " of group " + group + " (dp_rank " + dpRank()
          + ") whose kv_cache_spec_kind was never seen"));
      return false;
    }
    if (!learned.main()) {
      dropped.add(new DroppedEvent(NOT_MAIN_ATTENTION, what + " of group " + group + " learned as "
          + learned.kind()));
    }
    return learned.main();
  }

  /** The current batch's dp_rank, read ahead (it follows the events) only when a hybrid event needs it. */
  private int dpRank() {
    if (currentDpRank < 0) {
      try {
        MsgpackReader a = ahead.wrap(currentPayload);
        a.position(currentEventsAt);
        a.skip();
        currentDpRank = currentFields >= 3 && !a.tryNil() ? a.readInt("dp_rank") : 0;
      } catch (DecodeException e) {
        currentDpRank = 0; // the batch is refused as malformed once its end is reached
      }
    }
    return currentDpRank;
  }

  static boolean isMainAttention(String kind) {
    return MAIN_ATTENTION_KINDS.contains(kind.toLowerCase(java.util.Locale.ROOT));
  }

  private static long groupKey(int dpRank, int group) {
    return ((long) dpRank << 32) | (group & 0xFFFFFFFFL);
  }

  /** What was learned for (dp_rank, group_idx), or null (tests and diagnostics). */
  LearnedGroup learnedGroup(int dpRank, int group) {
    return groups.get(groupKey(dpRank, group));
  }

  /** Number of block hashes whose namespace is remembered (bounded by {@link #MAX_NAMESPACE_HASHES}). */
  int namespacedHashes() {
    return namespaceByHash.size();
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

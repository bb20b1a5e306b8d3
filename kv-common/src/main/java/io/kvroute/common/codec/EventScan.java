package io.kvroute.common.codec;

import java.util.Arrays;

/**
 * One pass over an event map that remembers where the value of each known key starts, so the event can then be
 * read in any field order without building a tree. Keys are the union of the agent format (DESIGN §4) and the
 * vLLM map form (reference notes §2.3); unknown keys are skipped. Reusable; not thread-safe.
 */
final class EventScan {

  static final int TYPE = 0;
  static final int PARENT_HASH = 1;
  static final int BLOCKS = 2;
  static final int BLOCK_HASHES = 3;
  static final int PARENT_BLOCK_HASH = 4;
  static final int TOKEN_IDS = 5;
  static final int BLOCK_SIZE = 6;
  static final int LORA_NAME = 7;
  static final int MEDIUM = 8;
  static final int CACHE_SALT = 9;
  static final int EXTRA_KEYS = 10;
  static final int GROUP_IDX = 11;
  static final int SPEC_KIND = 12;
  static final int SLIDING_WINDOW = 13;
  static final int LOCALITY = 14;

  private static final byte[][] KEYS = MsgpackReader.keys("type", "parent_hash", "blocks", "block_hashes",
      "parent_block_hash", "token_ids", "block_size", "lora_name", "medium", "cache_salt", "extra_keys",
      "group_idx", "kv_cache_spec_kind", "kv_cache_spec_sliding_window", "locality");

  /** Event type tags of both formats, indexes into {@link #TYPES}. */
  static final int T_STORED = 0;
  static final int T_REMOVED = 1;
  static final int T_CLEARED = 2;
  static final int T_BLOCK_STORED = 3;
  static final int T_BLOCK_REMOVED = 4;
  static final int T_ALL_BLOCKS_CLEARED = 5;
  static final int T_IGNORED = 6;
  private static final byte[][] TYPES = MsgpackReader.keys("stored", "removed", "cleared", "BlockStored",
      "BlockRemoved", "AllBlocksCleared", "Ignored");

  private final int[] at = new int[KEYS.length];

  /** Reads a whole event map, leaving the reader after it. */
  void scan(MsgpackReader r) throws DecodeException {
    Arrays.fill(at, -1);
    int n = r.readMapHeader("event");
    for (int i = 0; i < n; i++) {
      int k = r.readKey(KEYS);
      if (k >= 0) {
        at[k] = r.position();
      }
      r.skip();
    }
  }

  boolean has(int key) {
    return at[key] >= 0;
  }

  /** Positions the reader at the value of {@code key}; false (reader untouched) when the key is absent. */
  boolean seek(MsgpackReader r, int key) {
    if (at[key] < 0) {
      return false;
    }
    r.position(at[key]);
    return true;
  }

  /** The event's type tag as a T_* constant; -1 if the string is unknown. */
  int type(MsgpackReader r) throws DecodeException {
    if (!seek(r, TYPE)) {
      throw new DecodeException("event without type");
    }
    return readTag(r);
  }

  /** Reads a type tag string at the reader's position. */
  static int readTag(MsgpackReader r) throws DecodeException {
    return r.readEnum("event type", TYPES);
  }
}

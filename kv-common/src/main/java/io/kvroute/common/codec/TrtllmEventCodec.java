package io.kvroute.common.codec;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonStreamContext;
import com.fasterxml.jackson.core.JsonToken;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * TensorRT-LLM {@code /kv_cache_events} JSON (reference trtllm-and-reference-router.md §2), streamed with Jackson
 * so that hashes up to 2^64-1 survive (they arrive as JSON integers beyond {@code Long.MAX_VALUE}, or as hex
 * strings in newer versions: the first 16 hex digits are taken as the u64).
 *
 * <p>One bad element never loses the others: {@link #decodeArray} keeps every good event and reports one error
 * string per bad element (unknown type, wrong field type, missing field). Only a top level that is not a JSON
 * array throws; a syntax error half-way keeps the events before it and reports the rest as one error.
 */
public final class TrtllmEventCodec {

  /** Good events in input order, and one human-readable error per element that could not be decoded. */
  public record Decoded(List<TrtllmEvent> events, List<String> errors) {

    public Decoded {
      events = List.copyOf(events);
      errors = List.copyOf(errors);
    }
  }

  private TrtllmEventCodec() {
  }

  public static Decoded decodeArray(String json) throws DecodeException {
    return decodeInMemory(json, () -> JsonSupport.FACTORY.createParser(json));
  }

  /** {@link #decodeArray(String)} of UTF-8 bytes, as they come off the wire (no String of the body is built). */
  public static Decoded decodeArray(byte[] json) throws DecodeException {
    return decodeInMemory(json, () -> JsonSupport.FACTORY.createParser(json));
  }

  /**
   * {@link #decodeArray(String)} of a UTF-8 stream, read as it arrives (the body is never held whole). The stream is
   * left open. A failed read is an {@link IOException}, told apart from malformed JSON ({@link DecodeException} or
   * errors in the result).
   */
  public static Decoded decodeArray(InputStream json) throws DecodeException, IOException {
    return decodeArray(JsonSupport.streamParser(json));
  }

  /** Opens a parser over input held in memory. */
  @FunctionalInterface
  private interface InMemoryParser {
    JsonParser open() throws IOException;
  }

  /** Decodes JSON held in memory, where reading cannot fail but for malformed input. */
  private static Decoded decodeInMemory(Object json, InMemoryParser parser) throws DecodeException {
    if (json == null) {
      throw new DecodeException("null JSON");
    }
    try {
      return decodeArray(parser.open());
    } catch (IOException e) {
      throw JsonSupport.malformed("kv_cache_events", e);
    }
  }

  private static Decoded decodeArray(JsonParser parser) throws DecodeException, IOException {
    List<TrtllmEvent> events = new ArrayList<>();
    List<String> errors = new ArrayList<>();
    try (JsonParser p = parser) {
      JsonToken first;
      try {
        first = p.nextToken();
      } catch (JsonProcessingException e) {
        throw JsonSupport.malformed("kv_cache_events is not JSON", e);
      }
      if (first != JsonToken.START_ARRAY) {
        throw new DecodeException("kv_cache_events: top level is not a JSON array (" + first + ")");
      }
      JsonStreamContext top = p.getParsingContext();
      IntBuffer tokens = new IntBuffer();
      int index = 0;
      try {
        while (true) {
          JsonToken t = p.nextToken();
          if (t == JsonToken.END_ARRAY) {
            break;
          }
          if (t == null) {
            errors.add("truncated array after element " + index);
            break;
          }
          try {
            events.add(readEvent(p, tokens));
          } catch (DecodeException e) {
            errors.add("element " + index + ": " + e.getMessage());
            while (p.getParsingContext() != top) {
              if (p.nextToken() == null) {
                errors.add("truncated array after element " + index);
                return new Decoded(events, errors);
              }
            }
          }
          index++;
        }
        if (p.nextToken() != null) {
          errors.add("trailing data after the array");
        }
      } catch (JsonProcessingException e) {
        errors.add("element " + index + ": " + JsonSupport.malformed("syntax error, rest ignored", e).getMessage());
      }
    }
    return new Decoded(events, errors);
  }

  public static String encodeArray(List<TrtllmEvent> events) {
    return JsonSupport.encodeToString(estimatedSize(events), out -> writeArray(events, out));
  }

  /** Writes {@code events} as a JSON array, in UTF-8, to {@code out} (left open). */
  public static void writeArray(List<TrtllmEvent> events, OutputStream out) throws IOException {
    try (JsonGenerator g = JsonSupport.FACTORY.createGenerator(out)) {
      g.disable(JsonGenerator.Feature.AUTO_CLOSE_TARGET);
      g.writeStartArray();
      for (TrtllmEvent e : events) {
        writeEvent(g, e);
      }
      g.writeEndArray();
    }
  }

  /**
   * About the size of {@link #writeArray}'s output, a little over in the usual case, to size its buffer once: the
   * verbose token objects (~60 bytes per token) are most of it.
   */
  public static int estimatedSize(List<TrtllmEvent> events) {
    long size = 2;
    for (TrtllmEvent e : events) {
      size += 160;
      if (e instanceof TrtllmEvent.Stored s) {
        for (TrtllmEvent.StoredBlock b : s.blocks()) {
          size += 140 + 60L * b.tokenIds().length + (b.mmHashes() == null ? 0 : 70L * b.mmHashes().length);
        }
      } else if (e instanceof TrtllmEvent.Removed r) {
        size += 21L * r.blockHashes().length;
      } else if (e instanceof TrtllmEvent.Created c) {
        size += 21L * c.numBlocksPerCacheLevel().length;
      }
    }
    return (int) Math.min(size, Integer.MAX_VALUE - 16);
  }

  private static TrtllmEvent readEvent(JsonParser p, IntBuffer tokens) throws IOException, DecodeException {
    JsonSupport.expect(p, JsonToken.START_OBJECT, "event");
    Long eventId = null;
    Integer windowSize = null;
    Integer dpRank = null;
    Data data = null;
    while (JsonSupport.next(p) != JsonToken.END_OBJECT) {
      String key = p.currentName();
      JsonToken v = JsonSupport.next(p);
      switch (key) {
        case "event_id" -> eventId = JsonSupport.readU64(p, key);
        case "window_size" -> windowSize = v == JsonToken.VALUE_NULL ? null : JsonSupport.readInt(p, key);
        case "attention_dp_rank" -> dpRank = v == JsonToken.VALUE_NULL ? null : JsonSupport.readInt(p, key);
        case "data" -> data = readData(p, tokens);
        default -> p.skipChildren();
      }
    }
    if (eventId == null) {
      throw new DecodeException("event without event_id");
    }
    if (data == null) {
      throw new DecodeException("event " + eventId + " without data");
    }
    if (data.type == null) {
      throw new DecodeException("event " + eventId + ": data without type");
    }
    switch (data.type) {
      case "created":
        return new TrtllmEvent.Created(eventId, windowSize, dpRank,
            data.numBlocksPerCacheLevel == null ? new long[0] : data.numBlocksPerCacheLevel);
      case "stored":
        if (data.blocks == null) {
          throw new DecodeException("event " + eventId + ": stored without blocks");
        }
        return new TrtllmEvent.Stored(eventId, windowSize, dpRank, data.parentHash, data.blocks);
      case "removed":
        if (data.blockHashes == null) {
          throw new DecodeException("event " + eventId + ": removed without block_hashes");
        }
        return new TrtllmEvent.Removed(eventId, windowSize, dpRank, data.blockHashes);
      case "updated":
        if (data.blockHash == null) {
          throw new DecodeException("event " + eventId + ": updated without block_hash");
        }
        return new TrtllmEvent.Updated(eventId, windowSize, dpRank, data.blockHash);
      default:
        throw new DecodeException("event " + eventId + ": unknown type " + truncate(data.type));
    }
  }

  /** The fields of {@code data}, which may come in any order. */
  private static final class Data {
    String type;
    Long parentHash;
    List<TrtllmEvent.StoredBlock> blocks;
    long[] blockHashes;
    Long blockHash;
    long[] numBlocksPerCacheLevel;
  }

  private static Data readData(JsonParser p, IntBuffer tokens) throws IOException, DecodeException {
    JsonSupport.expect(p, JsonToken.START_OBJECT, "data");
    Data d = new Data();
    while (JsonSupport.next(p) != JsonToken.END_OBJECT) {
      String key = p.currentName();
      JsonToken v = JsonSupport.next(p);
      switch (key) {
        case "type" -> d.type = JsonSupport.readString(p, key);
        case "parent_hash" -> d.parentHash = v == JsonToken.VALUE_NULL ? null : JsonSupport.readU64(p, key);
        case "blocks" -> d.blocks = readBlocks(p, tokens);
        case "block_hashes" -> d.blockHashes = readU64Array(p, key);
        case "block_hash" -> d.blockHash = JsonSupport.readU64(p, key);
        case "num_blocks_per_cache_level" -> d.numBlocksPerCacheLevel = readU64Array(p, key);
        default -> p.skipChildren();
      }
    }
    return d;
  }

  private static List<TrtllmEvent.StoredBlock> readBlocks(JsonParser p, IntBuffer tokens)
      throws IOException, DecodeException {
    JsonSupport.expect(p, JsonToken.START_ARRAY, "blocks");
    List<TrtllmEvent.StoredBlock> blocks = new ArrayList<>();
    while (JsonSupport.next(p) != JsonToken.END_ARRAY) {
      blocks.add(readBlock(p, tokens));
    }
    return blocks;
  }

  private static TrtllmEvent.StoredBlock readBlock(JsonParser p, IntBuffer tokens) throws IOException, DecodeException {
    JsonSupport.expect(p, JsonToken.START_OBJECT, "block");
    Long hash = null;
    int[] tokenIds = null;
    int cacheLevel = 0;
    int priority = 0;
    long[] mm = new long[0];
    while (JsonSupport.next(p) != JsonToken.END_OBJECT) {
      String key = p.currentName();
      JsonToken v = JsonSupport.next(p);
      if (v == JsonToken.VALUE_NULL) {
        continue;
      }
      switch (key) {
        case "block_hash" -> hash = JsonSupport.readU64(p, key);
        case "tokens" -> tokenIds = readTokens(p, tokens);
        case "cache_level" -> cacheLevel = JsonSupport.readInt(p, key);
        case "priority" -> priority = JsonSupport.readInt(p, key);
        case "mm_keys" -> mm = readMmKeys(p);
        default -> p.skipChildren();
      }
    }
    if (hash == null) {
      throw new DecodeException("block without block_hash");
    }
    if (tokenIds == null) {
      throw new DecodeException("block without tokens");
    }
    return new TrtllmEvent.StoredBlock(hash, tokenIds, cacheLevel, priority, mm);
  }

  /** {@code [{"type":"unique_token","token_id":N,"token_extra_id":M}, ...]}; bare integers are accepted too. */
  private static int[] readTokens(JsonParser p, IntBuffer tokens) throws IOException, DecodeException {
    JsonSupport.expect(p, JsonToken.START_ARRAY, "tokens");
    tokens.clear();
    JsonToken t;
    while ((t = JsonSupport.next(p)) != JsonToken.END_ARRAY) {
      if (t == JsonToken.START_OBJECT) {
        int id = 0;
        boolean found = false;
        while (JsonSupport.next(p) != JsonToken.END_OBJECT) {
          String key = p.currentName();
          JsonSupport.next(p);
          if ("token_id".equals(key)) {
            id = (int) JsonSupport.readLong(p, key, Integer.MIN_VALUE, 0xffff_ffffL);
            found = true;
          } else {
            p.skipChildren();
          }
        }
        if (!found) {
          throw new DecodeException("token without token_id");
        }
        tokens.add(id);
      } else {
        tokens.add((int) JsonSupport.readLong(p, "token", Integer.MIN_VALUE, 0xffff_ffffL));
      }
    }
    return tokens.toArray();
  }

  /** {@code [{"type":"mm_key","hash":"<hex>","start_offset":0}, ...]} → the hashes as u64. */
  private static long[] readMmKeys(JsonParser p) throws IOException, DecodeException {
    JsonSupport.expect(p, JsonToken.START_ARRAY, "mm_keys");
    long[] out = new long[4];
    int n = 0;
    JsonToken t;
    while ((t = JsonSupport.next(p)) != JsonToken.END_ARRAY) {
      long h;
      if (t == JsonToken.START_OBJECT) {
        Long hash = null;
        while (JsonSupport.next(p) != JsonToken.END_OBJECT) {
          String key = p.currentName();
          JsonSupport.next(p);
          if ("hash".equals(key)) {
            hash = JsonSupport.readU64(p, key);
          } else {
            p.skipChildren();
          }
        }
        if (hash == null) {
          throw new DecodeException("mm_key without hash");
        }
        h = hash;
      } else {
        h = JsonSupport.readU64(p, "mm_key");
      }
      if (n == out.length) {
        out = Arrays.copyOf(out, n * 2);
      }
      out[n++] = h;
    }
    return Arrays.copyOf(out, n);
  }

  private static long[] readU64Array(JsonParser p, String what) throws IOException, DecodeException {
    JsonSupport.expect(p, JsonToken.START_ARRAY, what);
    long[] out = new long[8];
    int n = 0;
    while (JsonSupport.next(p) != JsonToken.END_ARRAY) {
      if (n == out.length) {
        out = Arrays.copyOf(out, n * 2);
      }
      out[n++] = JsonSupport.readU64(p, what);
    }
    return Arrays.copyOf(out, n);
  }

  private static void writeEvent(JsonGenerator g, TrtllmEvent e) throws IOException {
    g.writeStartObject();
    g.writeFieldName("event_id");
    writeU64(g, e.eventId());
    g.writeObjectFieldStart("data");
    if (e instanceof TrtllmEvent.Created c) {
      g.writeStringField("type", "created");
      g.writeArrayFieldStart("num_blocks_per_cache_level");
      for (long n : c.numBlocksPerCacheLevel()) {
        writeU64(g, n);
      }
      g.writeEndArray();
    } else if (e instanceof TrtllmEvent.Stored s) {
      g.writeStringField("type", "stored");
      g.writeFieldName("parent_hash");
      if (s.parentHash() == null) {
        g.writeNull();
      } else {
        writeU64(g, s.parentHash());
      }
      g.writeArrayFieldStart("blocks");
      for (TrtllmEvent.StoredBlock b : s.blocks()) {
        writeBlock(g, b);
      }
      g.writeEndArray();
    } else if (e instanceof TrtllmEvent.Removed r) {
      g.writeStringField("type", "removed");
      g.writeArrayFieldStart("block_hashes");
      for (long h : r.blockHashes()) {
        writeU64(g, h);
      }
      g.writeEndArray();
    } else if (e instanceof TrtllmEvent.Updated u) {
      g.writeStringField("type", "updated");
      g.writeFieldName("block_hash");
      writeU64(g, u.blockHash());
    }
    g.writeEndObject();
    if (e.windowSize() != null) {
      g.writeNumberField("window_size", e.windowSize());
    }
    if (e.attentionDpRank() != null) {
      g.writeNumberField("attention_dp_rank", e.attentionDpRank());
    }
    g.writeEndObject();
  }

  private static void writeBlock(JsonGenerator g, TrtllmEvent.StoredBlock b) throws IOException {
    g.writeStartObject();
    g.writeStringField("type", "stored_block");
    g.writeFieldName("block_hash");
    writeU64(g, b.blockHash());
    g.writeArrayFieldStart("tokens");
    for (int t : b.tokenIds()) {
      g.writeStartObject();
      g.writeStringField("type", "unique_token");
      g.writeNumberField("token_id", t);
      g.writeNumberField("token_extra_id", 0);
      g.writeEndObject();
    }
    g.writeEndArray();
    g.writeNumberField("cache_level", b.cacheLevel());
    g.writeNumberField("priority", b.priority());
    if (b.mmHashes() != null && b.mmHashes().length > 0) {
      g.writeArrayFieldStart("mm_keys");
      for (long h : b.mmHashes()) {
        g.writeStartObject();
        g.writeStringField("type", "mm_key");
        g.writeStringField("hash", String.format("%016x", h));
        g.writeNumberField("start_offset", 0);
        g.writeEndObject();
      }
      g.writeEndArray();
    }
    g.writeEndObject();
  }

  private static void writeU64(JsonGenerator g, long v) throws IOException {
    if (v >= 0) {
      g.writeNumber(v);
    } else {
      g.writeNumber(Long.toUnsignedString(v));
    }
  }

  private static String truncate(String s) {
    return s.length() > 40 ? s.substring(0, 40) + "..." : s;
  }

  /** A growable int array reused across the blocks of one call. */
  static final class IntBuffer {
    private int[] data = new int[64];
    private int size;

    void clear() {
      size = 0;
    }

    void add(int v) {
      if (size == data.length) {
        data = Arrays.copyOf(data, size * 2);
      }
      data[size++] = v;
    }

    int[] toArray() {
      return Arrays.copyOf(data, size);
    }
  }
}

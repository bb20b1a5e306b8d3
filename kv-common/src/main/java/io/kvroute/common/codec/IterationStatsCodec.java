package io.kvroute.common.codec;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * TensorRT-LLM {@code GET /metrics} JSON: an array of {@link IterationStats}. Unknown fields (gpuMemUsage,
 * timestamp, ...) are ignored; missing numeric fields read as 0; integral floats are accepted for integer fields.
 * Any structural error fails the whole array (the agent just polls again).
 */
public final class IterationStatsCodec {

  /** Bytes of one stats object written with full-width numbers: presizes a buffer without a copy when it grows. */
  private static final int BYTES_PER_STATS = 700;

  private IterationStatsCodec() {
  }

  public static String encodeArray(List<IterationStats> stats) {
    return JsonSupport.encodeToString(estimatedSize(stats.size()), out -> writeArray(stats, out));
  }

  /** Bytes to reserve for {@code count} stats written by {@link #writeArray}. */
  public static int estimatedSize(int count) {
    return (int) Math.min(Integer.MAX_VALUE - 8, 2 + (long) BYTES_PER_STATS * count);
  }

  /** Writes {@code stats} as a JSON array, in UTF-8, to {@code out} (left open). */
  public static void writeArray(List<IterationStats> stats, OutputStream out) throws IOException {
    try (JsonGenerator g = JsonSupport.FACTORY.createGenerator(out)) {
      g.disable(JsonGenerator.Feature.AUTO_CLOSE_TARGET);
      g.writeStartArray();
      for (IterationStats s : stats) {
        g.writeStartObject();
        g.writeNumberField("iter", s.iter());
        g.writeNumberField("iterLatencyMS", s.iterLatencyMS());
        g.writeNumberField("numActiveRequests", s.numActiveRequests());
        g.writeNumberField("numQueuedRequests", s.numQueuedRequests());
        IterationStats.KvCacheStats k = s.kvCacheStats();
        if (k != null) {
          g.writeObjectFieldStart("kvCacheStats");
          g.writeNumberField("maxNumBlocks", k.maxNumBlocks());
          g.writeNumberField("freeNumBlocks", k.freeNumBlocks());
          g.writeNumberField("usedNumBlocks", k.usedNumBlocks());
          g.writeNumberField("tokensPerBlock", k.tokensPerBlock());
          g.writeNumberField("allocTotalBlocks", k.allocTotalBlocks());
          g.writeNumberField("allocNewBlocks", k.allocNewBlocks());
          g.writeNumberField("reusedBlocks", k.reusedBlocks());
          g.writeNumberField("missedBlocks", k.missedBlocks());
          g.writeNumberField("cacheHitRate", k.cacheHitRate());
          g.writeEndObject();
        }
        IterationStats.InflightBatchingStats b = s.inflightBatchingStats();
        if (b != null) {
          g.writeObjectFieldStart("inflightBatchingStats");
          g.writeNumberField("numContextRequests", b.numContextRequests());
          g.writeNumberField("numGenRequests", b.numGenRequests());
          g.writeNumberField("numPausedRequests", b.numPausedRequests());
          g.writeNumberField("numScheduledRequests", b.numScheduledRequests());
          g.writeNumberField("numCtxTokens", b.numCtxTokens());
          g.writeEndObject();
        }
        g.writeEndObject();
      }
      g.writeEndArray();
    }
  }

  public static List<IterationStats> decodeArray(String json) throws DecodeException {
    if (json == null) {
      throw new DecodeException("null JSON");
    }
    List<IterationStats> out = new ArrayList<>();
    try {
      decode(JsonSupport.FACTORY.createParser(json), out::add);
    } catch (IOException e) {
      throw JsonSupport.malformed("malformed metrics JSON", e);
    }
    return out;
  }

  /**
   * The last stats of a UTF-8 array read as it arrives (the agent needs only the latest load; an engine with fast
   * iterations sends hundreds per poll), or null for an empty array. The whole array is still checked as
   * {@link #decodeArray} checks it. The stream is left open. A failed read is an {@link IOException}, told apart
   * from malformed JSON ({@link DecodeException}).
   */
  public static IterationStats decodeLast(InputStream json) throws DecodeException, IOException {
    LastSeen last = new LastSeen();
    try {
      decode(JsonSupport.streamParser(json), last);
    } catch (JsonProcessingException e) {
      throw JsonSupport.malformed("malformed metrics JSON", e);
    }
    return last.stats;
  }

  private static final class LastSeen implements Consumer<IterationStats> {
    private IterationStats stats;

    @Override
    public void accept(IterationStats s) {
      stats = s;
    }
  }

  private static void decode(JsonParser parser, Consumer<IterationStats> sink) throws IOException, DecodeException {
    try (JsonParser p = parser) {
      JsonSupport.next(p);
      JsonSupport.expect(p, JsonToken.START_ARRAY, "metrics");
      while (JsonSupport.next(p) != JsonToken.END_ARRAY) {
        sink.accept(readStats(p));
      }
      if (p.nextToken() != null) {
        throw new DecodeException("trailing data after metrics array");
      }
    }
  }

  private static IterationStats readStats(JsonParser p) throws IOException, DecodeException {
    JsonSupport.expect(p, JsonToken.START_OBJECT, "iteration stats");
    long iter = 0;
    double latency = 0;
    int active = 0;
    int queued = 0;
    IterationStats.KvCacheStats kv = null;
    IterationStats.InflightBatchingStats ifb = null;
    while (JsonSupport.next(p) != JsonToken.END_OBJECT) {
      String key = p.currentName();
      JsonToken v = JsonSupport.next(p);
      if (v == JsonToken.VALUE_NULL) {
        continue;
      }
      switch (key) {
        case "iter" -> iter = JsonSupport.readLong(p, key, Long.MIN_VALUE, Long.MAX_VALUE);
        case "iterLatencyMS" -> latency = JsonSupport.readDouble(p, key);
        case "numActiveRequests" -> active = JsonSupport.readInt(p, key);
        case "numQueuedRequests" -> queued = JsonSupport.readInt(p, key);
        case "kvCacheStats" -> kv = readKvCacheStats(p);
        case "inflightBatchingStats" -> ifb = readInflight(p);
        default -> p.skipChildren();
      }
    }
    return new IterationStats(iter, latency, active, queued, kv, ifb);
  }

  private static IterationStats.KvCacheStats readKvCacheStats(JsonParser p) throws IOException, DecodeException {
    JsonSupport.expect(p, JsonToken.START_OBJECT, "kvCacheStats");
    long max = 0;
    long free = 0;
    long used = 0;
    int tpb = 0;
    long allocTotal = 0;
    long allocNew = 0;
    long reused = 0;
    long missed = 0;
    double hitRate = 0;
    while (JsonSupport.next(p) != JsonToken.END_OBJECT) {
      String key = p.currentName();
      JsonToken v = JsonSupport.next(p);
      if (v == JsonToken.VALUE_NULL) {
        continue;
      }
      switch (key) {
        case "maxNumBlocks" -> max = readLong(p, key);
        case "freeNumBlocks" -> free = readLong(p, key);
        case "usedNumBlocks" -> used = readLong(p, key);
        case "tokensPerBlock" -> tpb = JsonSupport.readInt(p, key);
        case "allocTotalBlocks" -> allocTotal = readLong(p, key);
        case "allocNewBlocks" -> allocNew = readLong(p, key);
        case "reusedBlocks" -> reused = readLong(p, key);
        case "missedBlocks" -> missed = readLong(p, key);
        case "cacheHitRate" -> hitRate = JsonSupport.readDouble(p, key);
        default -> p.skipChildren();
      }
    }
    return new IterationStats.KvCacheStats(max, free, used, tpb, allocTotal, allocNew, reused, missed, hitRate);
  }

  private static IterationStats.InflightBatchingStats readInflight(JsonParser p) throws IOException, DecodeException {
    JsonSupport.expect(p, JsonToken.START_OBJECT, "inflightBatchingStats");
    int ctx = 0;
    int gen = 0;
    int paused = 0;
    int scheduled = 0;
    int ctxTokens = 0;
    while (JsonSupport.next(p) != JsonToken.END_OBJECT) {
      String key = p.currentName();
      JsonToken v = JsonSupport.next(p);
      if (v == JsonToken.VALUE_NULL) {
        continue;
      }
      switch (key) {
        case "numContextRequests" -> ctx = JsonSupport.readInt(p, key);
        case "numGenRequests" -> gen = JsonSupport.readInt(p, key);
        case "numPausedRequests" -> paused = JsonSupport.readInt(p, key);
        case "numScheduledRequests" -> scheduled = JsonSupport.readInt(p, key);
        case "numCtxTokens" -> ctxTokens = JsonSupport.readInt(p, key);
        default -> p.skipChildren();
      }
    }
    return new IterationStats.InflightBatchingStats(ctx, gen, paused, scheduled, ctxTokens);
  }

  private static long readLong(JsonParser p, String key) throws IOException, DecodeException {
    return JsonSupport.readLong(p, key, Long.MIN_VALUE, Long.MAX_VALUE);
  }
}

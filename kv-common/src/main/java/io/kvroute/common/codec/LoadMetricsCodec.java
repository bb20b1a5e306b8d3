package io.kvroute.common.codec;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import java.io.ByteArrayOutputStream;
import java.io.IOException;

/**
 * The load-metrics JSON frame (DESIGN §4): {@code {"num_waiting_reqs": int, "kv_cache_usage": float,
 * "num_running_reqs", "kv_used_blocks", "kv_total_blocks", "worker_id", "ts"}}. Only the first two are required;
 * unknown keys are ignored; null values count as absent.
 */
public final class LoadMetricsCodec {

  private LoadMetricsCodec() {
  }

  public static byte[] encode(LoadMetrics m) {
    ByteArrayOutputStream out = new ByteArrayOutputStream(192);
    try (JsonGenerator g = JsonSupport.FACTORY.createGenerator(out)) {
      g.writeStartObject();
      g.writeNumberField("num_waiting_reqs", m.numWaitingReqs());
      g.writeNumberField("kv_cache_usage", m.kvCacheUsage());
      g.writeNumberField("num_running_reqs", m.numRunningReqs());
      g.writeNumberField("kv_used_blocks", m.kvUsedBlocks());
      g.writeNumberField("kv_total_blocks", m.kvTotalBlocks());
      if (m.workerId() != null) {
        g.writeStringField("worker_id", m.workerId());
      }
      g.writeNumberField("ts", m.ts());
      g.writeEndObject();
    } catch (IOException e) {
      throw new IllegalStateException("in-memory JSON generation failed", e);
    }
    return out.toByteArray();
  }

  public static LoadMetrics decode(byte[] json) throws DecodeException {
    if (json == null) {
      throw new DecodeException("null metrics frame");
    }
    try (JsonParser p = JsonSupport.FACTORY.createParser(json)) {
      JsonSupport.next(p);
      JsonSupport.expect(p, JsonToken.START_OBJECT, "metrics");
      Integer waiting = null;
      Double usage = null;
      int running = 0;
      long used = 0;
      long total = 0;
      String workerId = null;
      double ts = 0;
      while (JsonSupport.next(p) != JsonToken.END_OBJECT) {
        String key = p.currentName();
        JsonSupport.next(p);
        if (p.currentToken() == JsonToken.VALUE_NULL) {
          continue;
        }
        switch (key) {
          case "num_waiting_reqs" -> waiting = JsonSupport.readInt(p, key);
          case "kv_cache_usage" -> usage = JsonSupport.readDouble(p, key);
          case "num_running_reqs" -> running = JsonSupport.readInt(p, key);
          case "kv_used_blocks" -> used = JsonSupport.readLong(p, key, Long.MIN_VALUE, Long.MAX_VALUE);
          case "kv_total_blocks" -> total = JsonSupport.readLong(p, key, Long.MIN_VALUE, Long.MAX_VALUE);
          case "worker_id" -> workerId = JsonSupport.readString(p, key);
          case "ts" -> ts = JsonSupport.readDouble(p, key);
          default -> p.skipChildren();
        }
      }
      if (p.nextToken() != null) {
        throw new DecodeException("trailing data after metrics object");
      }
      if (waiting == null || usage == null) {
        throw new DecodeException("metrics need num_waiting_reqs and kv_cache_usage");
      }
      if (!Double.isFinite(usage)) {
        throw new DecodeException("kv_cache_usage is not finite");
      }
      return new LoadMetrics(waiting, usage, running, used, total, workerId, ts);
    } catch (IOException e) {
      throw JsonSupport.malformed("malformed metrics JSON", e);
    }
  }
}

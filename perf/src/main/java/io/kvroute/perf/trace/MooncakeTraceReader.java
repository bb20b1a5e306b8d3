package io.kvroute.perf.trace;

import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads Mooncake JSONL traces ({@code {"timestamp", "input_length", "output_length", "hash_ids"}} per line).
 * A contiguous slice is selected with {@code offset} (requests skipped) and {@code limit} (requests kept, 0 = all);
 * blank lines are ignored; any other bad line fails the whole read with its line number.
 */
public final class MooncakeTraceReader {

  private MooncakeTraceReader() {
  }

  public static List<TraceRequest> read(Path file, int offset, int limit) throws IOException, TraceFormatException {
    try (BufferedReader in = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
      return read(in, offset, limit);
    }
  }

  public static List<TraceRequest> read(BufferedReader in, int offset, int limit)
      throws IOException, TraceFormatException {
    if (offset < 0 || limit < 0) {
      throw new IllegalArgumentException("offset and limit must be >= 0");
    }
    List<TraceRequest> out = new ArrayList<>();
    int lineNo = 0;
    int seen = 0;
    String line;
    while ((line = in.readLine()) != null) {
      lineNo++;
      if (line.isBlank()) {
        continue;
      }
      if (seen++ < offset) {
        continue;
      }
      out.add(parse(line, lineNo));
      if (limit > 0 && out.size() == limit) {
        break;
      }
    }
    return out;
  }

  /** Parses one non-blank line. */
  public static TraceRequest parse(String line, int lineNo) throws TraceFormatException {
    JsonObject o;
    try {
      o = new JsonObject(line);
    } catch (DecodeException | ClassCastException e) {
      throw new TraceFormatException("trace line " + lineNo + ": not a JSON object");
    }
    long ts = number(o, "timestamp", lineNo);
    long in = number(o, "input_length", lineNo);
    long outLen = number(o, "output_length", lineNo);
    if (ts < 0 || in < 0 || outLen < 0 || in > Integer.MAX_VALUE || outLen > Integer.MAX_VALUE) {
      throw new TraceFormatException("trace line " + lineNo + ": negative or oversized field");
    }
    Object ids = o.getValue("hash_ids");
    if (!(ids instanceof JsonArray arr)) {
      throw new TraceFormatException("trace line " + lineNo + ": hash_ids must be an array");
    }
    long[] hashIds = new long[arr.size()];
    for (int i = 0; i < hashIds.length; i++) {
      if (!(arr.getValue(i) instanceof Number n) || n instanceof Double || n instanceof Float) {
        throw new TraceFormatException("trace line " + lineNo + ": hash_ids[" + i + "] is not an integer");
      }
      hashIds[i] = n.longValue();
    }
    return new TraceRequest(lineNo, ts, (int) in, (int) outLen, hashIds);
  }

  private static long number(JsonObject o, String key, int lineNo) throws TraceFormatException {
    Object v = o.getValue(key);
    if (!(v instanceof Number n)) {
      throw new TraceFormatException("trace line " + lineNo + ": missing or non-numeric " + key);
    }
    double d = n.doubleValue();
    if (d != Math.rint(d)) {
      throw new TraceFormatException("trace line " + lineNo + ": " + key + " is not an integer");
    }
    return n.longValue();
  }
}

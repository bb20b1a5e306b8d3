package io.kvroute.common.codec;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadConstraints;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;

/** Jackson streaming helpers shared by the JSON codecs: typed reads that fail with {@link DecodeException}. */
final class JsonSupport {

  private static final BigInteger TWO_64 = BigInteger.ONE.shiftLeft(64);

  /** Shared, thread-safe factory; nesting and number lengths are capped so hostile input stays cheap. */
  static final JsonFactory FACTORY = JsonFactory.builder()
      .streamReadConstraints(StreamReadConstraints.builder().maxNestingDepth(64).maxNumberLength(64).build())
      .build();

  private JsonSupport() {
  }

  /** Writes JSON to a stream, as the codecs' {@code writeArray} methods do. */
  @FunctionalInterface
  interface JsonWriter {
    void writeTo(OutputStream out) throws IOException;
  }

  /** What {@code writer} writes, as a String, from a buffer of {@code estimatedSize} bytes. */
  static String encodeToString(int estimatedSize, JsonWriter writer) {
    ByteArrayOutputStream out = new ByteArrayOutputStream(estimatedSize);
    try {
      writer.writeTo(out);
    } catch (IOException e) {
      throw new IllegalStateException("in-memory JSON generation failed", e);
    }
    return out.toString(StandardCharsets.UTF_8);
  }

  /** A parser reading {@code json} as it arrives and leaving it open (the caller owns the body stream). */
  static JsonParser streamParser(InputStream json) throws IOException {
    JsonParser parser = FACTORY.createParser(json);
    parser.disable(JsonParser.Feature.AUTO_CLOSE_SOURCE);
    return parser;
  }

  /** A u64 from a JSON integer (signed or unsigned up to 2^64-1) or a hex string (first 16 hex digits). */
  static long readU64(JsonParser p, String what) throws IOException, DecodeException {
    JsonToken t = p.currentToken();
    if (t == JsonToken.VALUE_NUMBER_INT) {
      if (p.getNumberType() == JsonParser.NumberType.BIG_INTEGER) {
        BigInteger v = p.getBigIntegerValue();
        if (v.signum() < 0 || v.compareTo(TWO_64) >= 0) {
          throw new DecodeException(what + " out of u64 range: " + v);
        }
        return v.longValue();
      }
      return p.getLongValue();
    }
    if (t == JsonToken.VALUE_STRING) {
      return hexU64(p.getText(), what);
    }
    throw new DecodeException(what + ": expected integer or hex string, found " + t);
  }

  /** The first 16 hex digits of a hex string (optional 0x prefix) as a u64. */
  static long hexU64(String s, String what) throws DecodeException {
    int start = s.startsWith("0x") || s.startsWith("0X") ? 2 : 0;
    int stop = Math.min(s.length(), start + 16);
    if (stop == start) {
      throw new DecodeException(what + ": empty hex string");
    }
    long v = 0;
    for (int i = start; i < stop; i++) {
      int d = Character.digit(s.charAt(i), 16);
      if (d < 0) {
        throw new DecodeException(what + ": not a hex string");
      }
      v = (v << 4) | d;
    }
    return v;
  }

  /** A signed integer in [min, max]; integral floats (e.g. {@code 3.0}) are accepted. */
  static long readLong(JsonParser p, String what, long min, long max) throws IOException, DecodeException {
    JsonToken t = p.currentToken();
    long v;
    if (t == JsonToken.VALUE_NUMBER_INT && p.getNumberType() != JsonParser.NumberType.BIG_INTEGER) {
      v = p.getLongValue();
    } else if (t == JsonToken.VALUE_NUMBER_FLOAT) {
      double d = p.getDoubleValue();
      if (d != Math.rint(d) || d < min || d > max) {
        throw new DecodeException(what + ": not an integer in range: " + d);
      }
      v = (long) d;
    } else {
      throw new DecodeException(what + ": expected integer, found " + t);
    }
    if (v < min || v > max) {
      throw new DecodeException(what + " out of range: " + v);
    }
    return v;
  }

  static int readInt(JsonParser p, String what) throws IOException, DecodeException {
    return (int) readLong(p, what, Integer.MIN_VALUE, Integer.MAX_VALUE);
  }

  static double readDouble(JsonParser p, String what) throws IOException, DecodeException {
    JsonToken t = p.currentToken();
    if (t == JsonToken.VALUE_NUMBER_INT || t == JsonToken.VALUE_NUMBER_FLOAT) {
      return p.getDoubleValue();
    }
    throw new DecodeException(what + ": expected number, found " + t);
  }

  static String readString(JsonParser p, String what) throws IOException, DecodeException {
    JsonToken t = p.currentToken();
    if (t == JsonToken.VALUE_STRING) {
      return p.getText();
    }
    throw new DecodeException(what + ": expected string, found " + t);
  }

  static void expect(JsonParser p, JsonToken expected, String what) throws DecodeException {
    if (p.currentToken() != expected) {
      throw new DecodeException(what + ": expected " + expected + ", found " + p.currentToken());
    }
  }

  /** A one-line DecodeException for a Jackson failure (its own messages span lines and quote the input). */
  static DecodeException malformed(String what, IOException e) {
    String detail;
    if (e instanceof JsonProcessingException jpe) {
      detail = jpe.getOriginalMessage();
      if (jpe.getLocation() != null) {
        detail += " at line " + jpe.getLocation().getLineNr() + " column " + jpe.getLocation().getColumnNr();
      }
    } else {
      detail = String.valueOf(e.getMessage());
    }
    detail = detail.replace('\n', ' ').replace('\r', ' ');
    if (detail.length() > 200) {
      detail = detail.substring(0, 200) + "...";
    }
    return new DecodeException(what + ": " + detail);
  }

  /** Advances to the next token; the end of input is an error. */
  static JsonToken next(JsonParser p) throws IOException, DecodeException {
    JsonToken t = p.nextToken();
    if (t == null) {
      throw new DecodeException("unexpected end of JSON input");
    }
    return t;
  }
}

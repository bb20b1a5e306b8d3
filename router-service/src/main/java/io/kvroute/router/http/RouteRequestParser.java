package io.kvroute.router.http;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadConstraints;
import java.io.IOException;
import java.util.Arrays;
import java.util.HashSet;
import java.util.Set;

/**
 * Streaming parser for routing requests: hashes go straight into a {@code long[]} without a JSON tree or boxing.
 * Hashes may be JSON integers (signed or unsigned 64-bit) or decimal strings. Unknown fields are skipped.
 */
final class RouteRequestParser {

  private static final JsonFactory JSON = JsonFactory.builder()
      .streamReadConstraints(StreamReadConstraints.builder().maxNestingDepth(32).maxNumberLength(40).build())
      .build();

  private RouteRequestParser() {
  }

  static RouteRequest parse(byte[] body) {
    if (body == null || body.length == 0) {
      throw ApiException.badRequest("invalid_json", "request body must be a JSON object");
    }
    RouteRequest fast = FastRouteRequestParser.tryParse(body);
    return fast != null ? fast : parseGeneral(body);
  }

  /** The general path (Jackson streaming): every JSON form, and the typed error for bad input. */
  static RouteRequest parseGeneral(byte[] body) {
    if (body == null || body.length == 0) {
      throw ApiException.badRequest("invalid_json", "request body must be a JSON object");
    }
    RouteRequestFields fields = new RouteRequestFields();
    try (JsonParser p = JSON.createParser(body)) {
      if (p.nextToken() != JsonToken.START_OBJECT) {
        throw ApiException.badRequest("invalid_json", "request body must be a JSON object");
      }
      JacksonValues values = new JacksonValues(p);
      while (p.nextToken() == JsonToken.FIELD_NAME) {
        String field = p.currentName();
        if (p.nextToken() == JsonToken.VALUE_NULL) {
          continue;
        }
        fields.read(field, values);
      }
      if (p.currentToken() != JsonToken.END_OBJECT) {
        throw ApiException.badRequest("invalid_json", "malformed JSON object");
      }
    } catch (IOException e) {
      throw ApiException.badRequest("invalid_json", "malformed JSON: " + firstLine(e.getMessage()));
    }
    return fields.build();
  }

  /** Reads the value the Jackson parser stands on (its current token), for {@link RouteRequestFields}. */
  private record JacksonValues(JsonParser p) implements RouteRequestFields.ValueReader<IOException> {
    @Override
    public String text(String field) throws IOException {
      return RouteRequestParser.text(p, p.currentToken(), field);
    }

    @Override
    public long[] hashes(String field) throws IOException {
      return RouteRequestParser.hashes(p, p.currentToken(), field);
    }

    @Override
    public int[] tokenIds(String field) throws IOException {
      return ints(p, p.currentToken(), field);
    }

    @Override
    public int intValue(String field) throws IOException {
      return RouteRequestParser.intValue(p, p.currentToken(), field);
    }

    @Override
    public Set<String> workerIds(String field) throws IOException {
      return strings(p, p.currentToken(), field);
    }

    @Override
    public void skip() throws IOException {
      p.skipChildren();
    }
  }

  /** Parses one u64 given as a JSON number or a decimal string (signed or unsigned). */
  static long parseHash(JsonParser p, JsonToken t, String field) throws IOException {
    if (t == JsonToken.VALUE_NUMBER_INT || t == JsonToken.VALUE_STRING) {
      // Digits straight from the parser's buffer: no BigInteger for values above Long.MAX_VALUE, no String.
      return parseDecimal(p.getTextCharacters(), p.getTextOffset(), p.getTextLength(), p, field);
    }
    throw ApiException.badRequest("invalid_hash", field + " must hold integers or decimal strings, got " + t);
  }

  /**
   * A decimal integer in [-2^63, 2^64) (surrounding spaces allowed) as a u64 bit pattern, in one pass: the first 18
   * digits cannot overflow, only the last two are checked.
   */
  static long parseDecimal(char[] buf, int offset, int length, JsonParser p, String field) throws IOException {
    int i = offset;
    int end = offset + length;
    while (i < end && buf[i] == ' ') {
      i++;
    }
    while (end > i && buf[end - 1] == ' ') {
      end--;
    }
    boolean negative = false;
    if (i < end && (buf[i] == '-' || buf[i] == '+')) {
      negative = buf[i] == '-';
      i++;
    }
    int digits = end - i;
    if (digits <= 0 || digits > 20) {
      throw digits > 20 && allDigits(buf, i, end) ? outOfRange(field) : notANumber(p, field);
    }
    long v = 0;
    int safeEnd = i + Math.min(digits, 18);
    for (; i < safeEnd; i++) {
      int d = buf[i] - '0';
      if (d < 0 || d > 9) {
        throw notANumber(p, field);
      }
      v = v * 10 + d;
    }
    for (; i < end; i++) {
      int d = buf[i] - '0';
      if (d < 0 || d > 9) {
        throw notANumber(p, field);
      }
      // v * 10 + d must stay below 2^64 (1844674407370955161 = floor((2^64 - 1) / 10)).
      if (Long.compareUnsigned(v, 1844674407370955161L) > 0 || (v == 1844674407370955161L && d > 5)) {
        throw outOfRange(field);
      }
      v = v * 10 + d;
    }
    if (negative) {
      if (Long.compareUnsigned(v, Long.MIN_VALUE) > 0) {
        throw outOfRange(field);
      }
      return -v;
    }
    return v;
  }

  private static boolean allDigits(char[] buf, int from, int to) {
    for (int i = from; i < to; i++) {
      if (buf[i] < '0' || buf[i] > '9') {
        return false;
      }
    }
    return true;
  }

  private static ApiException notANumber(JsonParser p, String field) throws IOException {
    return ApiException.badRequest("invalid_hash", field + " holds a string that is not a 64-bit integer: '"
        + abbreviate(p.getText().trim()) + "'");
  }

  private static ApiException outOfRange(String field) {
    return ApiException.badRequest("invalid_hash", field + " holds a value outside the 64-bit range");
  }

  private static long[] hashes(JsonParser p, JsonToken t, String field) throws IOException {
    if (t != JsonToken.START_ARRAY) {
      throw ApiException.badRequest("invalid_field", field + " must be an array");
    }
    long[] out = new long[128];
    int n = 0;
    JsonToken e;
    while ((e = p.nextToken()) != JsonToken.END_ARRAY) {
      if (e == null) {
        throw ApiException.badRequest("invalid_json", "unterminated array " + field);
      }
      if (n == out.length) {
        out = Arrays.copyOf(out, n * 2);
      }
      out[n++] = parseHash(p, e, field);
    }
    return n == out.length ? out : Arrays.copyOf(out, n);
  }

  private static int[] ints(JsonParser p, JsonToken t, String field) throws IOException {
    if (t != JsonToken.START_ARRAY) {
      throw ApiException.badRequest("invalid_field", field + " must be an array of integers");
    }
    int[] out = new int[1024];
    int n = 0;
    JsonToken e;
    while ((e = p.nextToken()) != JsonToken.END_ARRAY) {
      if (e != JsonToken.VALUE_NUMBER_INT) {
        throw ApiException.badRequest("invalid_field", field + " must be an array of integers");
      }
      long v = p.getNumberType() == JsonParser.NumberType.BIG_INTEGER ? Long.MAX_VALUE : p.getLongValue();
      if (v < 0 || v > 0xFFFF_FFFFL) {
        throw ApiException.badRequest("invalid_field", field + " holds a token id outside u32");
      }
      if (n == out.length) {
        out = Arrays.copyOf(out, n * 2);
      }
      out[n++] = (int) v;
    }
    return Arrays.copyOf(out, n);
  }

  private static Set<String> strings(JsonParser p, JsonToken t, String field) throws IOException {
    if (t != JsonToken.START_ARRAY) {
      throw ApiException.badRequest("invalid_field", field + " must be an array of strings");
    }
    Set<String> out = new HashSet<>();
    JsonToken e;
    while ((e = p.nextToken()) != JsonToken.END_ARRAY) {
      if (e == JsonToken.VALUE_STRING) {
        out.add(p.getText());
      } else if (e == JsonToken.VALUE_NUMBER_INT) {
        out.add("worker-" + p.getLongValue());
      } else {
        throw ApiException.badRequest("invalid_field", field + " must be an array of worker ids");
      }
    }
    return out;
  }

  private static String text(JsonParser p, JsonToken t, String field) throws IOException {
    if (t != JsonToken.VALUE_STRING) {
      throw ApiException.badRequest("invalid_field", field + " must be a string");
    }
    return p.getText();
  }

  private static int intValue(JsonParser p, JsonToken t, String field) throws IOException {
    if (t != JsonToken.VALUE_NUMBER_INT || p.getNumberType() == JsonParser.NumberType.BIG_INTEGER) {
      if (t == JsonToken.VALUE_NUMBER_FLOAT && p.getDoubleValue() == Math.rint(p.getDoubleValue())
          && Math.abs(p.getDoubleValue()) < Integer.MAX_VALUE) {
        return (int) p.getDoubleValue();
      }
      throw ApiException.badRequest("invalid_field", field + " must be an integer");
    }
    long v = p.getLongValue();
    if (v > Integer.MAX_VALUE || v < Integer.MIN_VALUE) {
      throw ApiException.badRequest("invalid_field", field + " is out of range");
    }
    return (int) v;
  }

  static String firstLine(String s) {
    if (s == null) {
      return "";
    }
    int nl = s.indexOf('\n');
    return nl < 0 ? s : s.substring(0, nl);
  }

  private static String abbreviate(String s) {
    return s.length() <= 40 ? s : s.substring(0, 40) + "...";
  }
}

package io.kvroute.router.http;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.HashSet;
import java.util.Set;

/**
 * One-pass parser for the common shape of a routing request: ASCII JSON without escapes, integers without fraction
 * or exponent, hashes read digit by digit straight from the body bytes (Jackson's path reads every number twice:
 * once into its text buffer, once into a {@code long}). It answers only what it is sure of: on anything else
 * (escapes, non-ASCII, floats, out-of-range or oversize numbers, deep nesting, any syntax error) it returns null and
 * {@link RouteRequestParser} parses the body with Jackson, which also produces the typed error. Whenever it returns
 * a request, that request equals the one the Jackson path returns for the same bytes
 * ({@code FastRouteRequestParserTest} checks this on random and mutated bodies).
 */
final class FastRouteRequestParser {

  /** Nesting limit of skipped values, below the Jackson path's limit of 32. */
  private static final int MAX_DEPTH = 30;
  /** floor((2^64 - 1) / 10): a value above it cannot take another digit without leaving u64. */
  private static final long U64_DIV10 = 1844674407370955161L;

  private final byte[] b;
  private int i;

  private FastRouteRequestParser(byte[] body) {
    this.b = body;
  }

  /** The request, or null when the body needs the general parser (which then accepts it or names the error). */
  static RouteRequest tryParse(byte[] body) {
    if (body == null || body.length == 0) {
      return null;
    }
    try {
      return new FastRouteRequestParser(body).request();
    } catch (Fallback | ArrayIndexOutOfBoundsException e) {
      return null;
    }
  }

  /** Thrown (preallocated, no stack) to abandon the fast path. */
  private static final class Fallback extends RuntimeException {
    private static final long serialVersionUID = 1L;
    static final Fallback INSTANCE = new Fallback();

    private Fallback() {
      super(null, null, false, false);
    }
  }

  private static Fallback fallback() {
    return Fallback.INSTANCE;
  }

  private RouteRequest request() {
    RouteRequestFields fields = new RouteRequestFields();
    expect('{');
    if (peek() == '}') {
      return fields.build();
    }
    while (true) {
      String field = string();
      expect(':');
      if (peek() == 'n') {
        literal("null");
      } else {
        fields.read(field, values);
      }
      byte c = next();
      if (c == '}') {
        return fields.build();
      }
      if (c != ',') {
        throw fallback();
      }
    }
  }

  /** This parser's value readers, for {@link RouteRequestFields}. */
  private final RouteRequestFields.ValueReader<RuntimeException> values =
      new RouteRequestFields.ValueReader<>() {
        @Override
        public String text(String field) {
          return string();
        }

        @Override
        public long[] hashes(String field) {
          return FastRouteRequestParser.this.hashes();
        }

        @Override
        public int[] tokenIds(String field) {
          return FastRouteRequestParser.this.tokenIds();
        }

        @Override
        public int intValue(String field) {
          return FastRouteRequestParser.this.intValue();
        }

        @Override
        public Set<String> workerIds(String field) {
          return FastRouteRequestParser.this.workerIds();
        }

        @Override
        public void skip() {
          skipValue(0);
        }
      };

  // ---- values ----

  private long[] hashes() {
    expect('[');
    long[] out = new long[128];
    int n = 0;
    if (peek() == ']') {
      i++;
      return new long[0];
    }
    while (true) {
      if (n == out.length) {
        out = Arrays.copyOf(out, n * 2);
      }
      skipWs();
      out[n++] = b[i] == '"' ? quotedHash() : hashNumber();
      byte c = next();
      if (c == ']') {
        return n == out.length ? out : Arrays.copyOf(out, n);
      }
      if (c != ',') {
        throw fallback();
      }
    }
  }

  /** A JSON integer in [-2^63, 2^64) as a u64 bit pattern. */
  private long hashNumber() {
    boolean negative = b[i] == '-';
    if (negative) {
      i++;
    }
    int start = i;
    if (b[start] == '0' && isDigit(b[start + 1])) {
      throw fallback(); // leading zero: not JSON
    }
    long v = digits(negative);
    if (i == start) {
      throw fallback();
    }
    endOfNumber();
    return negative ? -v : v;
  }

  /** A decimal string: optional '-', 1 to 20 digits (leading zeros allowed, as the general path allows them). */
  private long quotedHash() {
    i++;
    boolean negative = b[i] == '-';
    if (negative) {
      i++;
    }
    int start = i;
    long v = digits(negative);
    if (i == start || b[i] != '"') {
      throw fallback();
    }
    i++;
    return negative ? -v : v;
  }

  /** Digits up to a non-digit; the value must fit u64 (or 2^63 when negative), else fall back. */
  private long digits(boolean negative) {
    long v = 0;
    int start = i;
    int safeEnd = start + 18; // 18 digits cannot overflow
    while (isDigit(b[i])) {
      int d = b[i] - '0';
      if (i >= safeEnd) {
        if (i - start >= 20 || Long.compareUnsigned(v, U64_DIV10) > 0 || (v == U64_DIV10 && d > 5)) {
          throw fallback();
        }
      }
      v = v * 10 + d;
      i++;
    }
    if (negative && Long.compareUnsigned(v, Long.MIN_VALUE) > 0) {
      throw fallback();
    }
    return v;
  }

  private int[] tokenIds() {
    expect('[');
    int[] out = new int[1024];
    int n = 0;
    if (peek() == ']') {
      i++;
      return new int[0];
    }
    while (true) {
      skipWs();
      long v = unsignedInt();
      if (v > 0xFFFF_FFFFL) {
        throw fallback();
      }
      if (n == out.length) {
        out = Arrays.copyOf(out, n * 2);
      }
      out[n++] = (int) v;
      byte c = next();
      if (c == ']') {
        return Arrays.copyOf(out, n);
      }
      if (c != ',') {
        throw fallback();
      }
    }
  }

  private Set<String> workerIds() {
    expect('[');
    Set<String> out = new HashSet<>();
    if (peek() == ']') {
      i++;
      return out;
    }
    while (true) {
      skipWs();
      if (b[i] == '"') {
        out.add(string());
      } else {
        out.add("worker-" + unsignedInt());
      }
      byte c = next();
      if (c == ']') {
        return out;
      }
      if (c != ',') {
        throw fallback();
      }
    }
  }

  private int intValue() {
    skipWs();
    boolean negative = b[i] == '-';
    if (negative) {
      i++;
    }
    long v = unsignedInt();
    if (v > Integer.MAX_VALUE) {
      throw fallback();
    }
    return negative ? (int) -v : (int) v;
  }

  /** A JSON integer without sign, at most 10 digits (no leading zero, no fraction or exponent). */
  private long unsignedInt() {
    int start = i;
    if (b[start] == '0' && isDigit(b[start + 1])) {
      throw fallback();
    }
    long v = 0;
    while (isDigit(b[i])) {
      if (i - start >= 10) {
        throw fallback();
      }
      v = v * 10 + (b[i] - '0');
      i++;
    }
    if (i == start) {
      throw fallback();
    }
    endOfNumber();
    return v;
  }

  /** A number must end at whitespace or a delimiter (a '.', 'e' or any other byte means: not ours). */
  private void endOfNumber() {
    byte c = b[i];
    if (c != ',' && c != ']' && c != '}' && !isWs(c)) {
      throw fallback();
    }
  }

  /** A string of printable ASCII without escapes. */
  private String string() {
    skipWs();
    if (b[i] != '"') {
      throw fallback();
    }
    int start = ++i;
    byte c;
    while ((c = b[i]) != '"') {
      if (c < 0x20 || c == '\\' || c >= 0x7f || c < 0) {
        throw fallback();
      }
      i++;
    }
    i++;
    return new String(b, start, i - 1 - start, StandardCharsets.ISO_8859_1);
  }

  /** Skips any value of a field we do not use (the general path skips it too). */
  private void skipValue(int depth) {
    if (depth > MAX_DEPTH) {
      throw fallback();
    }
    skipWs();
    byte c = b[i];
    switch (c) {
      case '"' -> string();
      case 't' -> literal("true");
      case 'f' -> literal("false");
      case 'n' -> literal("null");
      case '{' -> {
        i++;
        if (peek() == '}') {
          i++;
          return;
        }
        while (true) {
          string();
          expect(':');
          skipValue(depth + 1);
          byte d = next();
          if (d == '}') {
            return;
          }
          if (d != ',') {
            throw fallback();
          }
        }
      }
      case '[' -> {
        i++;
        if (peek() == ']') {
          i++;
          return;
        }
        while (true) {
          skipValue(depth + 1);
          byte d = next();
          if (d == ']') {
            return;
          }
          if (d != ',') {
            throw fallback();
          }
        }
      }
      default -> {
        if (c == '-') {
          i++;
        }
        unsignedInt(); // only short integers; floats and long numbers go to the general path
      }
    }
  }

  // ---- lexing ----

  private void literal(String word) {
    skipWs();
    for (int k = 0; k < word.length(); k++) {
      if (b[i++] != word.charAt(k)) {
        throw fallback();
      }
    }
    byte c = b[i];
    if (c != ',' && c != ']' && c != '}' && !isWs(c)) {
      throw fallback();
    }
  }

  private void expect(char c) {
    if (next() != c) {
      throw fallback();
    }
  }

  /** The next non-whitespace byte, consumed. */
  private byte next() {
    skipWs();
    return b[i++];
  }

  /** The next non-whitespace byte, not consumed. */
  private byte peek() {
    skipWs();
    return b[i];
  }

  private void skipWs() {
    while (isWs(b[i])) {
      i++;
    }
  }

  private static boolean isWs(byte c) {
    return c == ' ' || c == '\n' || c == '\r' || c == '\t';
  }

  private static boolean isDigit(byte c) {
    return c >= '0' && c <= '9';
  }
}

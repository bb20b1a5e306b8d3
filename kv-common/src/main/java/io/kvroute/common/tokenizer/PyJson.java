package io.kvroute.common.tokenizer;

import java.lang.reflect.Array;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Python's {@code json.dumps} byte for byte, because HuggingFace's chat-template {@code tojson} filter is
 * {@code json.dumps(x, ensure_ascii=False, indent=indent, separators=separators, sort_keys=sort_keys)} and tool
 * schemas rendered into the prompt must tokenize exactly as HF renders them. Differences from a Jackson-style
 * writer: {@code ", "} and {@code ": "} separators (or {@code ","} with indent), no HTML or '/' escaping,
 * lower-case {@code \\u00xx} escapes for control characters, Python float repr ({@code 1.0}, {@code 1e-05},
 * {@code 1e+16}), {@code NaN}/{@code Infinity}, key order as given (insertion order).
 */
final class PyJson {

  private PyJson() {}

  /** Options of {@code json.dumps}; {@code indent} null means single-line. */
  record Options(Integer indent, String itemSeparator, String keySeparator, boolean sortKeys, boolean ensureAscii) {

    static final Options HF_DEFAULT = of(null, null, false, false);

    /** Python's defaults: separators are (", ", ": ") without indent and (",", ": ") with indent. */
    static Options of(Integer indent, List<String> separators, boolean sortKeys, boolean ensureAscii) {
      String item = indent == null ? ", " : ",";
      String key = ": ";
      if (separators != null) {
        if (separators.size() != 2) {
          throw new IllegalArgumentException("separators must be a (item_separator, key_separator) pair");
        }
        item = separators.get(0);
        key = separators.get(1);
      }
      return new Options(indent, item, key, sortKeys, ensureAscii);
    }
  }

  static String dumps(Object value) {
    return dumps(value, Options.HF_DEFAULT);
  }

  static String dumps(Object value, Options options) {
    StringBuilder out = new StringBuilder();
    write(out, value, options, 0);
    return out.toString();
  }

  private static void write(StringBuilder out, Object value, Options o, int depth) {
    if (depth > 512) {
      throw new IllegalArgumentException("tojson: value nested too deeply");
    }
    if (value == null) {
      out.append("null");
    } else if (value instanceof CharSequence s) {
      writeString(out, s, o.ensureAscii());
    } else if (value instanceof Boolean b) {
      out.append(b ? "true" : "false");
    } else if (value instanceof Integer || value instanceof Long || value instanceof Short || value instanceof Byte
        || value instanceof BigInteger) {
      out.append(value);
    } else if (value instanceof Number n) {
      out.append(floatRepr(n instanceof BigDecimal bd ? bd.doubleValue() : n.doubleValue()));
    } else if (value instanceof Map<?, ?> map) {
      writeObject(out, map, o, depth);
    } else if (value instanceof Iterable<?> items) {
      List<Object> list = new ArrayList<>();
      items.forEach(list::add);
      writeArray(out, list, o, depth);
    } else if (value.getClass().isArray()) {
      int n = Array.getLength(value);
      List<Object> list = new ArrayList<>(n);
      for (int i = 0; i < n; i++) {
        list.add(Array.get(value, i));
      }
      writeArray(out, list, o, depth);
    } else if (value instanceof Character c) {
      writeString(out, String.valueOf(c), o.ensureAscii());
    } else {
      throw new IllegalArgumentException("Object of type " + value.getClass().getSimpleName()
          + " is not JSON serializable");
    }
  }

  private static void writeArray(StringBuilder out, List<Object> items, Options o, int depth) {
    if (items.isEmpty()) {
      out.append("[]");
      return;
    }
    out.append('[');
    for (int i = 0; i < items.size(); i++) {
      if (i > 0) {
        out.append(o.itemSeparator());
      }
      newline(out, o, depth + 1);
      write(out, items.get(i), o, depth + 1);
    }
    newline(out, o, depth);
    out.append(']');
  }

  private static void writeObject(StringBuilder out, Map<?, ?> map, Options o, int depth) {
    if (map.isEmpty()) {
      out.append("{}");
      return;
    }
    List<Map.Entry<String, Object>> entries = new ArrayList<>(map.size());
    for (Map.Entry<?, ?> e : map.entrySet()) {
      entries.add(Map.entry(keyString(e.getKey()), e.getValue() == null ? NULL : e.getValue()));
    }
    if (o.sortKeys()) {
      entries.sort(Map.Entry.comparingByKey(PyJson::compareCodePoints));
    }
    out.append('{');
    boolean first = true;
    for (Map.Entry<String, Object> e : entries) {
      if (!first) {
        out.append(o.itemSeparator());
      }
      first = false;
      newline(out, o, depth + 1);
      writeString(out, e.getKey(), o.ensureAscii());
      out.append(o.keySeparator());
      write(out, e.getValue() == NULL ? null : e.getValue(), o, depth + 1);
    }
    newline(out, o, depth);
    out.append('}');
  }

  /** Map.entry rejects null values; this stands in for JSON null inside the entry list. */
  private static final Object NULL = new Object();

  /** Python converts str/int/float/bool/None keys to strings; anything else is a TypeError. */
  private static String keyString(Object key) {
    if (key == null) {
      return "null";
    } else if (key instanceof CharSequence || key instanceof Integer || key instanceof Long
        || key instanceof BigInteger) {
      return key.toString();
    } else if (key instanceof Boolean b) {
      return b ? "true" : "false";
    } else if (key instanceof Number n) {
      return floatRepr(n.doubleValue());
    }
    throw new IllegalArgumentException("keys must be str, int, float, bool or None, not "
        + key.getClass().getSimpleName());
  }

  /** Python sorts str keys by code point; Java's String.compareTo compares UTF-16 units. */
  private static int compareCodePoints(String a, String b) {
    int i = 0;
    int j = 0;
    while (i < a.length() && j < b.length()) {
      int ca = a.codePointAt(i);
      int cb = b.codePointAt(j);
      if (ca != cb) {
        return Integer.compare(ca, cb);
      }
      i += Character.charCount(ca);
      j += Character.charCount(cb);
    }
    return Integer.compare(a.length() - i, b.length() - j);
  }

  private static void newline(StringBuilder out, Options o, int depth) {
    if (o.indent() != null) {
      out.append('\n');
      out.append(" ".repeat(o.indent() * depth));
    }
  }

  private static final char[] HEX = "0123456789abcdef".toCharArray();

  static void writeString(StringBuilder out, CharSequence s, boolean ensureAscii) {
    out.append('"');
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      switch (c) {
        case '"' -> out.append("\\\"");
        case '\\' -> out.append("\\\\");
        case '\n' -> out.append("\\n");
        case '\r' -> out.append("\\r");
        case '\t' -> out.append("\\t");
        case '\b' -> out.append("\\b");
        case '\f' -> out.append("\\f");
        default -> {
          if (c < 0x20 || (ensureAscii && c > 0x7e)) {
            out.append("\\u").append(HEX[(c >> 12) & 0xf]).append(HEX[(c >> 8) & 0xf])
                .append(HEX[(c >> 4) & 0xf]).append(HEX[c & 0xf]);
          } else {
            out.append(c);
          }
        }
      }
    }
    out.append('"');
  }

  /** Python's {@code repr(float)}: shortest round-trip digits, fixed notation for 1e-4 <= |x| < 1e16. */
  static String floatRepr(double d) {
    if (Double.isNaN(d)) {
      return "NaN";
    }
    if (Double.isInfinite(d)) {
      return d > 0 ? "Infinity" : "-Infinity";
    }
    if (d == 0) {
      return (1 / d < 0) ? "-0.0" : "0.0";
    }
    BigDecimal bd = new BigDecimal(Double.toString(Math.abs(d))).stripTrailingZeros();
    String digits = bd.unscaledValue().toString();
    int exponent = digits.length() - 1 - bd.scale(); // decimal exponent of the first digit
    StringBuilder out = new StringBuilder();
    if (d < 0) {
      out.append('-');
    }
    if (exponent >= -4 && exponent < 16) {
      if (exponent >= 0) {
        if (digits.length() <= exponent + 1) {
          out.append(digits).append("0".repeat(exponent + 1 - digits.length())).append(".0");
        } else {
          out.append(digits, 0, exponent + 1).append('.').append(digits, exponent + 1, digits.length());
        }
      } else {
        out.append("0.").append("0".repeat(-exponent - 1)).append(digits);
      }
    } else {
      out.append(digits.charAt(0));
      if (digits.length() > 1) {
        out.append('.').append(digits, 1, digits.length());
      }
      out.append('e').append(exponent < 0 ? '-' : '+');
      int abs = Math.abs(exponent);
      if (abs < 10) {
        out.append('0');
      }
      out.append(abs);
    }
    return out.toString();
  }
}

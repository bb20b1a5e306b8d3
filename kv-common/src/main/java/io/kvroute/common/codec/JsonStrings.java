package io.kvroute.common.codec;

/** Writing JSON string literals into a {@link StringBuilder}, for hand-built JSON on hot paths. */
public final class JsonStrings {

  private static final char[] HEX = "0123456789abcdef".toCharArray();

  private JsonStrings() {
  }

  /** Appends {@code s} as a quoted, escaped JSON string literal; null is written as {@code null}. */
  public static StringBuilder appendQuoted(StringBuilder sb, String s) {
    if (s == null) {
      return sb.append("null");
    }
    sb.append('"');
    for (int i = 0, n = s.length(); i < n; i++) {
      char c = s.charAt(i);
      switch (c) {
        case '"' -> sb.append("\\\"");
        case '\\' -> sb.append("\\\\");
        case '\n' -> sb.append("\\n");
        case '\r' -> sb.append("\\r");
        case '\t' -> sb.append("\\t");
        case '\b' -> sb.append("\\b");
        case '\f' -> sb.append("\\f");
        default -> {
          if (c < 0x20 || c == 0x2028 || c == 0x2029) {
            sb.append("\\u").append(HEX[(c >> 12) & 0xF]).append(HEX[(c >> 8) & 0xF])
                .append(HEX[(c >> 4) & 0xF]).append(HEX[c & 0xF]);
          } else {
            sb.append(c);
          }
        }
      }
    }
    return sb.append('"');
  }
}

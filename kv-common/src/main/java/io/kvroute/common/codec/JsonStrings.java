package io.kvroute.common.codec;

/** Writing JSON string literals into a {@link StringBuilder}, for hand-built JSON on hot paths. */
public final class JsonStrings {

  private JsonStrings() {
  }

  /** Appends {@code s} as a quoted, escaped JSON string literal; null is written as {@code null}. */
  public static StringBuilder appendQuoted(StringBuilder sb, String s) {
    if (s == null) {
      return sb.append("null");
    }
    sb.append('"');
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      switch (c) {
        case '"' -> sb.append("\\\"");
        case '\\' -> sb.append("\\\\");
        case '\n' -> sb.append("\\n");
        case '\r' -> sb.append("\\r");
        case '\t' -> sb.append("\\t");
        default -> {
          if (c < 0x20) {
            sb.append(String.format("\\u%04x", (int) c));
          } else {
            sb.append(c);
          }
        }
      }
    }
    return sb.append('"');
  }
}

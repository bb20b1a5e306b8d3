package io.kvroute.common.tokenizer;

/**
 * Rewrites a Jinja2 chat template into source that jinjava renders the way Jinja2 does with HuggingFace's
 * environment ({@code trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=False}).
 *
 * <ul>
 *   <li>Newlines: Jinja2 turns {@code \r\n} and {@code \r} of the template source into {@code \n} and drops one
 *       trailing newline.
 *   <li>{@code lstrip_blocks} and {@code trim_blocks} are applied here, following Jinja2's lexer, because jinjava's
 *       own {@code lstrip_blocks} also strips spaces before a tag in the middle of a line ({@code "a {% if %}"}
 *       loses its space). Tags opened with {@code +} ({@code {%+}, {@code +%}}) disable them, as in Jinja2.
 *       Explicit {@code -} whitespace control is left to jinjava, which handles it like Jinja2.
 *   <li>String literals inside {@code {{ }}} and {@code {% %}}: jinjava's lexer accepts only the escapes
 *       {@code \n \t \r \b \f \" \' \\}; Python's {@code \\uXXXX}, {@code \\UXXXXXXXX}, {@code \\xXX}, octal,
 *       {@code \\a}, {@code \\v} and line continuations are decoded here, and unknown escapes keep their backslash
 *       ({@code '\\/'} is two characters in Python).
 * </ul>
 * Text, comments and {@code raw} blocks are otherwise copied verbatim.
 */
final class TemplateSource {

  private final String src;
  private final StringBuilder out;
  private int pos;
  /** Jinja2's {@code line_starting}: the previous token ended with a newline (true at the start). */
  private boolean lineStarting = true;

  private TemplateSource(String src) {
    this.src = src;
    this.out = new StringBuilder(src.length());
  }

  static String toJinjava(String template) {
    String src = template.replace("\r\n", "\n").replace('\r', '\n');
    if (src.endsWith("\n")) {
      src = src.substring(0, src.length() - 1);
    }
    TemplateSource t = new TemplateSource(src);
    t.run();
    return t.out.toString();
  }

  private void run() {
    int n = src.length();
    while (pos < n) {
      int open = nextTag(pos);
      if (open < 0) {
        out.append(src, pos, n);
        return;
      }
      String text = src.substring(pos, open);
      char kind = src.charAt(open + 1);
      char modifier = open + 2 < n ? src.charAt(open + 2) : 0;
      if (kind != '{' && modifier != '-' && modifier != '+') {
        text = lstrip(text);
      }
      out.append(text);
      pos = open;
      if (kind == '#') {
        comment();
      } else if (kind == '{') {
        tag('}');
      } else if (isTag(open, "raw")) {
        tag('%');
        rawBody();
      } else {
        tag('%');
      }
    }
  }

  /** Jinja2 lstrip_blocks: drop spaces between the start of the line and a block or comment tag. */
  private String lstrip(String text) {
    int lineStart = text.lastIndexOf('\n') + 1;
    if (lineStart == 0 && !lineStarting) {
      return text;
    }
    if (lineStart == text.length()) {
      return text;
    }
    for (int i = lineStart; i < text.length(); i++) {
      if (!PyMethodResolver.isSpace(text.charAt(i))) {
        return text;
      }
    }
    return text.substring(0, lineStart);
  }

  private int nextTag(int from) {
    for (int i = src.indexOf('{', from); i >= 0 && i + 1 < src.length(); i = src.indexOf('{', i + 1)) {
      char c = src.charAt(i + 1);
      if (c == '{' || c == '%' || c == '#') {
        return i;
      }
    }
    return -1;
  }

  private void comment() {
    int start = pos;
    int end = src.indexOf("#}", start + 2);
    if (end < 0) {
      out.append(src, start, src.length());
      pos = src.length();
      return;
    }
    String body = src.substring(start, end);
    body = body.startsWith("{#+") ? "{#" + body.substring(3) : body;
    boolean keep = body.endsWith("+");
    out.append(keep ? body.substring(0, body.length() - 1) : body).append("#}");
    pos = end + 2;
    afterTagEnd(keep, body.endsWith("-"));
  }

  /** Copies a {{ }} or {% %} tag, rewriting string literals; {@code closer} is '}' or '%'. */
  private void tag(char closer) {
    int n = src.length();
    out.append(src, pos, pos + 2);
    int i = pos + 2;
    if (closer == '%' && i < n && src.charAt(i) == '+') {
      i++;
    }
    while (i < n) {
      char c = src.charAt(i);
      if (c == closer && i + 1 < n && src.charAt(i + 1) == '}') {
        boolean keep = closer == '%' && out.charAt(out.length() - 1) == '+';
        boolean strip = out.charAt(out.length() - 1) == '-';
        if (keep) {
          out.setLength(out.length() - 1);
        }
        out.append(c).append('}');
        pos = i + 2;
        if (closer == '%') {
          afterTagEnd(keep, strip);
        } else {
          lineStarting = strip && endsWithNewlineAfterWhitespace();
        }
        return;
      }
      if (c == '\'' || c == '"') {
        i = literal(i);
        continue;
      }
      out.append(c);
      i++;
    }
    pos = n;
  }

  /** trim_blocks: a block or comment end eats one following newline unless it is "+%}" or "-%}". */
  private void afterTagEnd(boolean keep, boolean strip) {
    if (strip) {
      lineStarting = endsWithNewlineAfterWhitespace();
    } else if (!keep && pos < src.length() && src.charAt(pos) == '\n') {
      pos++;
      lineStarting = true;
    } else {
      lineStarting = false;
    }
  }

  /** For "-%}": Jinja2's match swallows the whitespace after it; did that whitespace end with a newline? */
  private boolean endsWithNewlineAfterWhitespace() {
    int i = pos;
    while (i < src.length() && Character.isWhitespace(src.charAt(i))) {
      i++;
    }
    return i > pos && src.charAt(i - 1) == '\n';
  }

  private boolean isTag(int open, String name) {
    int close = src.indexOf("%}", open + 2);
    if (close < 0) {
      return false;
    }
    String body = src.substring(open + 2, close);
    body = body.replaceFirst("^[-+]", "").replaceFirst("[-+]$", "").strip();
    return body.equals(name);
  }

  /** Copies the body of a raw block verbatim up to its {% endraw %} tag. */
  private void rawBody() {
    int i = pos;
    while (true) {
      int open = src.indexOf("{%", i);
      if (open < 0) {
        out.append(src, pos, src.length());
        pos = src.length();
        return;
      }
      if (isTag(open, "endraw")) {
        String text = src.substring(pos, open);
        char modifier = open + 2 < src.length() ? src.charAt(open + 2) : 0;
        if (modifier != '-' && modifier != '+') {
          lineStarting = false;
          text = lstrip(text);
        }
        out.append(text);
        pos = open;
        return;
      }
      i = open + 2;
    }
  }

  private int literal(int start) {
    char quote = src.charAt(start);
    out.append(quote);
    int i = start + 1;
    int n = src.length();
    while (i < n) {
      char c = src.charAt(i);
      if (c == quote) {
        out.append(c);
        return i + 1;
      }
      if (c != '\\' || i + 1 >= n) {
        out.append(c);
        i++;
        continue;
      }
      char e = src.charAt(i + 1);
      switch (e) {
        case 'n', 't', 'r', 'b', 'f', '"', '\'', '\\' -> {
          out.append('\\').append(e);
          i += 2;
        }
        case '\n' -> i += 2; // line continuation
        case 'a' -> {
          out.append('\u0007');
          i += 2;
        }
        case 'v' -> {
          out.append('\u000b');
          i += 2;
        }
        case 'x', 'u', 'U' -> {
          int digits = e == 'x' ? 2 : e == 'u' ? 4 : 8;
          int cp = hex(i + 2, digits);
          if (cp < 0) { // Python rejects a truncated escape; keep it and let jinjava report the error
            out.append('\\').append(e);
            i += 2;
          } else {
            appendChar(cp, quote);
            i += 2 + digits;
          }
        }
        default -> {
          if (e >= '0' && e <= '7') {
            int end = i + 1;
            int cp = 0;
            while (end < n && end < i + 4 && src.charAt(end) >= '0' && src.charAt(end) <= '7') {
              cp = cp * 8 + (src.charAt(end) - '0');
              end++;
            }
            appendChar(cp, quote);
            i = end;
          } else { // unknown escape: Python keeps the backslash
            out.append("\\\\").append(e);
            i += 2;
          }
        }
      }
    }
    return n;
  }

  private int hex(int from, int digits) {
    if (from + digits > src.length()) {
      return -1;
    }
    int cp = 0;
    for (int k = from; k < from + digits; k++) {
      int d = Character.digit(src.charAt(k), 16);
      if (d < 0) {
        return -1;
      }
      cp = cp * 16 + d;
    }
    return Character.isValidCodePoint(cp) ? cp : -1;
  }

  private void appendChar(int cp, char quote) {
    switch (cp) {
      case '\\' -> out.append("\\\\");
      case '\n' -> out.append("\\n");
      case '\r' -> out.append("\\r");
      case '\t' -> out.append("\\t");
      case '\b' -> out.append("\\b");
      case '\f' -> out.append("\\f");
      default -> {
        if (cp == quote) {
          out.append('\\').append(quote);
        } else {
          out.appendCodePoint(cp);
        }
      }
    }
  }
}

package io.kvroute.agent.engine;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A small parser of the Prometheus text exposition format (version 0.0.4), enough to read an engine's gauges:
 * <pre>
 * # HELP vllm:num_requests_running Number of requests in model execution batches.
 * # TYPE vllm:num_requests_running gauge
 * vllm:num_requests_running{engine="0",model_name="Qwen/Qwen2.5-0.5B-Instruct"} 3.0
 * vllm:gpu_cache_usage_perc 0.25 1732400000000
 * </pre>
 * A sample line is {@code name[{label="value",...}] value [timestamp_ms]}: the name matches
 * {@code [a-zA-Z_:][a-zA-Z0-9_:]*}, label names {@code [a-zA-Z_][a-zA-Z0-9_]*}, label values are double-quoted with
 * the escapes {@code \\}, {@code \"} and {@code \n}; the value is a float ({@code NaN}, {@code +Inf}, {@code -Inf}
 * included) and the optional timestamp an integer. Blank lines and {@code #} lines are skipped. Every other line
 * that does not follow this grammar (unterminated quotes, a repeated label, {@code 1.0d}, hex floats, trailing
 * garbage...) is counted as malformed and skipped; the rest of the text is still read. Only samples whose name is
 * in the wanted set are kept. Stateless and thread-safe.
 */
public final class PrometheusText {

  /** One sample: metric name, labels and value. */
  public record Sample(String name, Map<String, String> labels, double value) {
  }

  /**
   * The wanted samples by name, in text order, the number of malformed lines and the first malformed one
   * (for the log; null when none).
   */
  public record Parsed(Map<String, List<Sample>> samples, int malformedLines, String firstError) {

    /** The samples of one metric (empty when absent). */
    public List<Sample> get(String name) {
      return samples.getOrDefault(name, List.of());
    }
  }

  private PrometheusText() {
  }

  /** Parses {@code text}, keeping the samples whose name is in {@code wanted}. */
  public static Parsed parse(String text, Set<String> wanted) {
    Map<String, List<Sample>> samples = new HashMap<>();
    int malformed = 0;
    String firstError = null;
    int lineNo = 0;
    int pos = 0;
    int len = text.length();
    while (pos < len) {
      int end = text.indexOf('\n', pos);
      if (end < 0) {
        end = len;
      }
      lineNo++;
      int lineEnd = end > pos && text.charAt(end - 1) == '\r' ? end - 1 : end;
      try {
        Sample s = new LineParser(text, pos, lineEnd, wanted).parse();
        if (s != null) {
          samples.computeIfAbsent(s.name(), k -> new ArrayList<>(2)).add(s);
        }
      } catch (IllegalArgumentException e) {
        malformed++;
        if (firstError == null) {
          firstError = "line " + lineNo + ": " + e.getMessage();
        }
      }
      pos = end + 1;
    }
    return new Parsed(samples, malformed, firstError);
  }

  /** One line; {@link #parse()} returns null for skipped (blank, comment, unwanted) lines. */
  private static final class LineParser {
    private final String s;
    private final int end;
    private final Set<String> wanted;
    private int p;

    LineParser(String s, int start, int end, Set<String> wanted) {
      this.s = s;
      this.p = start;
      this.end = end;
      this.wanted = wanted;
    }

    Sample parse() {
      skipBlanks();
      if (p == end || s.charAt(p) == '#') {
        return null;
      }
      String name = name(true);
      Map<String, String> labels = Map.of();
      boolean blank = skipBlanks();
      if (p < end && s.charAt(p) == '{') {
        labels = labels();
        blank = skipBlanks();
      }
      if (!blank || p == end) {
        throw new IllegalArgumentException("expected a blank and a value after " + name);
      }
      double value = value(token());
      if (skipBlanks() && p < end) {
        timestamp(token());
        skipBlanks();
      }
      if (p < end) {
        throw new IllegalArgumentException("trailing text '" + s.substring(p, end) + "'");
      }
      return wanted.contains(name) ? new Sample(name, labels, value) : null;
    }

    /** Skips spaces and tabs; true if at least one was skipped. */
    private boolean skipBlanks() {
      int from = p;
      while (p < end && (s.charAt(p) == ' ' || s.charAt(p) == '\t')) {
        p++;
      }
      return p > from;
    }

    private String name(boolean metric) {
      int from = p;
      while (p < end) {
        char c = s.charAt(p);
        boolean letter = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || (metric && c == ':');
        if (!(letter || (p > from && c >= '0' && c <= '9'))) {
          break;
        }
        p++;
      }
      if (p == from) {
        throw new IllegalArgumentException("expected a " + (metric ? "metric" : "label") + " name at column "
            + column(from));
      }
      return s.substring(from, p);
    }

    private Map<String, String> labels() {
      p++; // '{'
      Map<String, String> labels = new HashMap<>(4);
      while (true) {
        skipBlanks();
        if (p < end && s.charAt(p) == '}') {
          p++;
          return labels;
        }
        String label = name(false);
        skipBlanks();
        expect('=');
        skipBlanks();
        String value = quoted();
        if (labels.put(label, value) != null) {
          throw new IllegalArgumentException("label " + label + " repeated");
        }
        skipBlanks();
        if (p < end && s.charAt(p) == ',') {
          p++;
        } else if (p >= end || s.charAt(p) != '}') {
          throw new IllegalArgumentException("expected ',' or '}' at column " + column(p));
        }
      }
    }

    private String quoted() {
      expect('"');
      StringBuilder sb = new StringBuilder();
      while (p < end) {
        char c = s.charAt(p++);
        if (c == '"') {
          return sb.toString();
        }
        if (c == '\\') {
          if (p >= end) {
            break;
          }
          char e = s.charAt(p++);
          switch (e) {
            case '\\' -> sb.append('\\');
            case '"' -> sb.append('"');
            case 'n' -> sb.append('\n');
            default -> throw new IllegalArgumentException("bad escape \\" + e + " in a label value");
          }
        } else {
          sb.append(c);
        }
      }
      throw new IllegalArgumentException("unterminated label value");
    }

    private void expect(char c) {
      if (p >= end || s.charAt(p) != c) {
        throw new IllegalArgumentException("expected '" + c + "' at column " + column(p));
      }
      p++;
    }

    private String token() {
      int from = p;
      while (p < end && s.charAt(p) != ' ' && s.charAt(p) != '\t') {
        p++;
      }
      return s.substring(from, p);
    }

    private int column(int at) {
      int lineStart = s.lastIndexOf('\n', Math.max(0, at - 1)) + 1;
      return at - lineStart + 1;
    }
  }

  /** A Prometheus float: decimal (with optional exponent), or NaN / Inf with an optional sign, case-insensitive. */
  static double value(String t) {
    String u = t.startsWith("+") || t.startsWith("-") ? t.substring(1) : t;
    if (u.equalsIgnoreCase("inf") || u.equalsIgnoreCase("infinity")) {
      return t.startsWith("-") ? Double.NEGATIVE_INFINITY : Double.POSITIVE_INFINITY;
    }
    if (u.equalsIgnoreCase("nan")) {
      return Double.NaN;
    }
    if (!isDecimal(u)) {
      throw new IllegalArgumentException("bad value '" + t + "'");
    }
    return Double.parseDouble(t);
  }

  /** digits[.digits][e[+-]digits] or .digits[...]; rejects what Double.parseDouble also takes (1d, 0x1p3, " 1"). */
  private static boolean isDecimal(String u) {
    int i = 0;
    int n = u.length();
    int digits = 0;
    while (i < n && u.charAt(i) >= '0' && u.charAt(i) <= '9') {
      i++;
      digits++;
    }
    if (i < n && u.charAt(i) == '.') {
      i++;
      while (i < n && u.charAt(i) >= '0' && u.charAt(i) <= '9') {
        i++;
        digits++;
      }
    }
    if (digits == 0) {
      return false;
    }
    if (i < n && (u.charAt(i) == 'e' || u.charAt(i) == 'E')) {
      i++;
      if (i < n && (u.charAt(i) == '+' || u.charAt(i) == '-')) {
        i++;
      }
      int exp = 0;
      while (i < n && u.charAt(i) >= '0' && u.charAt(i) <= '9') {
        i++;
        exp++;
      }
      if (exp == 0) {
        return false;
      }
    }
    return i == n;
  }

  private static void timestamp(String t) {
    int i = t.startsWith("-") ? 1 : 0;
    if (i == t.length()) {
      throw new IllegalArgumentException("bad timestamp '" + t + "'");
    }
    for (; i < t.length(); i++) {
      if (t.charAt(i) < '0' || t.charAt(i) > '9') {
        throw new IllegalArgumentException("bad timestamp '" + t + "'");
      }
    }
  }
}

package io.kvroute.common.tokenizer;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Function;

/**
 * An exact fast path of HF {@code encode(text, add_special_tokens=False)} for text of ASCII and Latin-1 (printable
 * characters, tab, CR and LF; {@link #fastPathChar}: English, code, and most Western European languages) under the
 * Qwen2 pre-tokenizer: the text is cut into the pieces of Qwen2's split regex by a hand-written scanner, and each
 * piece's ids come from a cache, filled by the native tokenizer encoding that piece alone. This is the native
 * result: HF byte-level BPE never merges across pre-tokenizer pieces, NFC leaves such text unchanged, and a piece
 * encoded alone is one piece again. Text with another character, or with a character that starts one of the
 * tokenizer's added tokens (matched before pre-tokenisation), is left to the caller ({@link #encode} returns null),
 * and so is text with many new pieces; text known to hold no added token ({@link #encodeSegment}) may have any of
 * these characters. A cached word costs ~30 ns, a word in a native call over a whole text ~1.5-2 us, a native call
 * for one piece ~4 us.
 *
 * <p>{@link #create} returns null unless {@code tokenizer.json} is exactly that pipeline: normalizer NFC or none, a
 * Sequence of Split(the Qwen2 regex, Isolated) and ByteLevel without its own regex, a BPE model without dropout.
 * Thread-safe; the cache holds at most {@link #MAX_ENTRIES} pieces of at most {@link #MAX_PIECE_CHARS} chars and
 * is emptied when full.
 */
final class AsciiPreTokenCache {

  /** Qwen2's split regex, as written in its {@code tokenizer.json}. */
  static final String QWEN2_SPLIT = "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}"
      + "| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";
  static final int MAX_ENTRIES = 1 << 16;
  static final int MAX_PIECE_CHARS = 32;
  static final int WARM_PER_TEXT = 8;

  private final boolean[] startsAddedToken;
  private final Function<String, int[]> nativeEncode;
  private final ConcurrentHashMap<String, int[]> pieces = new ConcurrentHashMap<>();
  private final LongAdder hits = new LongAdder();
  private final LongAdder misses = new LongAdder();

  private AsciiPreTokenCache(boolean[] startsAddedToken, Function<String, int[]> nativeEncode) {
    this.startsAddedToken = startsAddedToken;
    this.nativeEncode = nativeEncode;
  }

  /** The cache for this {@code tokenizer.json}, or null when its pipeline is not the one described above. */
  static AsciiPreTokenCache create(byte[] tokenizerJson, Function<String, int[]> nativeEncode) {
    Map<String, Object> top = new LinkedHashMap<>();
    boolean[] startsAdded = new boolean[256];
    try {
      boolean read = TokenizerFiles.forEachField(tokenizerJson, (field, value, p) -> {
        switch (field) {
          case "normalizer", "pre_tokenizer" -> top.put(field, read(p, value));
          case "model" -> top.put(field, modelHeader(p, value));
          case "added_tokens" -> {
            if (!(read(p, value) instanceof List<?> tokens)) {
              return false;
            }
            for (Object t : tokens) {
              if (!(t instanceof Map<?, ?> token) || !(token.get("content") instanceof String content)
                  || content.isEmpty()) {
                return false;
              }
              if (content.charAt(0) < 256) {
                startsAdded[content.charAt(0)] = true;
              }
            }
          }
          default -> p.skipChildren();
        }
        return true;
      });
      if (!read) {
        return null;
      }
    } catch (IOException | RuntimeException e) {
      return null;
    }
    return supported(top) ? new AsciiPreTokenCache(startsAdded, nativeEncode) : null;
  }

  private static boolean supported(Map<String, Object> top) {
    Object normalizer = top.get("normalizer");
    boolean nfc = normalizer == null || normalizer instanceof Map<?, ?> n && "NFC".equals(n.get("type"))
        && n.size() == 1;
    if (!(top.get("pre_tokenizer") instanceof Map<?, ?> pre) || !"Sequence".equals(pre.get("type"))
        || !(pre.get("pretokenizers") instanceof List<?> steps) || steps.size() != 2
        || !(steps.get(0) instanceof Map<?, ?> split) || !(steps.get(1) instanceof Map<?, ?> byteLevel)) {
      return false;
    }
    boolean qwenSplit = "Split".equals(split.get("type")) && split.get("pattern") instanceof Map<?, ?> pattern
        && QWEN2_SPLIT.equals(pattern.get("Regex")) && "Isolated".equals(split.get("behavior"))
        && Boolean.FALSE.equals(split.get("invert"));
    boolean plainByteLevel = "ByteLevel".equals(byteLevel.get("type"))
        && Boolean.FALSE.equals(byteLevel.get("add_prefix_space")) && Boolean.FALSE.equals(byteLevel.get("use_regex"));
    boolean bpe = top.get("model") instanceof Map<?, ?> model && "BPE".equals(model.get("type"))
        && model.get("dropout") == null;
    return nfc && qwenSplit && plainByteLevel && bpe;
  }

  /**
   * The ids of {@code text}, or null when the caller must encode it natively: the text has a character outside
   * {@link #fastPathChar} or one that starts an added token, or more than a quarter of its pieces are new (one
   * native call per new piece would then cost more than one call for the whole text; up to {@link #WARM_PER_TEXT}
   * of those pieces are encoded and cached, so that the words of a workload enter the cache over its first
   * requests).
   */
  int[] encode(String text) {
    return encode(text, false, true);
  }

  /**
   * {@link #encode} of text that holds no added token, such as a segment between the added tokens HF extracts first
   * ({@link AddedTokenSplitter}): characters that start added tokens, such as {@code <} for Qwen's, are then plain
   * characters, so code, markup and comparisons keep the fast path.
   */
  int[] encodeSegment(String text) {
    return encode(text, false, false);
  }

  /**
   * The ids of {@code text} if every piece is cached, else null; never calls the native tokenizer, so its cost is
   * bounded by the text's length (a scan and one map lookup per piece). Lookups are counted only when it succeeds:
   * a caller that falls back to {@link #encode} counts them there.
   */
  int[] encodeFromMemory(String text) {
    return encode(text, true, true);
  }

  /** {@link #encodeFromMemory} of text that holds no added token (see {@link #encodeSegment}). */
  int[] encodeSegmentFromMemory(String text) {
    return encode(text, true, false);
  }

  private int[] encode(String text, boolean memoryOnly, boolean mayHoldAddedTokens) {
    int n = text.length();
    for (int i = 0; i < n; i++) {
      char c = text.charAt(i);
      if (!fastPathChar(c) || mayHoldAddedTokens && startsAddedToken[c]) {
        return null;
      }
    }
    int[] ends = new int[Math.max(8, n / 4)];
    int[][] found = new int[ends.length][];
    int count = 0;
    int missing = 0;
    PieceKey piece = new PieceKey(text);
    for (int i = 0; i < n; i = ends[count - 1]) {
      if (count == ends.length) {
        ends = Arrays.copyOf(ends, count * 2);
        found = Arrays.copyOf(found, count * 2);
      }
      ends[count] = pieceEnd(text, i);
      found[count] = pieces.get(piece.of(i, ends[count]));
      if (found[count] == null) {
        if (memoryOnly) {
          return null;
        }
        missing++;
      }
      count++;
    }
    hits.add(count - missing);
    misses.add(missing);
    if (missing * 4 > count) {
      warm(text, ends, found, count);
      return null;
    }
    int[] out = new int[Math.max(8, count + count / 2)];
    int size = 0;
    for (int k = 0, start = 0; k < count; start = ends[k], k++) {
      int[] ids = found[k] != null ? found[k] : miss(text.substring(start, ends[k]));
      if (size + ids.length > out.length) {
        out = Arrays.copyOf(out, Math.max(out.length * 2, size + ids.length));
      }
      System.arraycopy(ids, 0, out, size, ids.length);
      size += ids.length;
    }
    return Arrays.copyOf(out, size);
  }

  private void warm(String text, int[] ends, int[][] found, int count) {
    int warmed = 0;
    for (int k = 0, start = 0; k < count && warmed < WARM_PER_TEXT; start = ends[k], k++) {
      if (found[k] == null) {
        String piece = text.substring(start, ends[k]);
        if (piece.length() <= MAX_PIECE_CHARS && !pieces.containsKey(piece)) {
          miss(piece);
          warmed++;
        }
      }
    }
  }

  /** Piece lookups that found the piece. */
  long hits() {
    return hits.sum();
  }

  /** Piece lookups that did not. */
  long misses() {
    return misses.sum();
  }

  /** Encodes a piece natively and caches it (counted by the caller). */
  private int[] miss(String piece) {
    int[] ids = nativeEncode.apply(piece);
    if (piece.length() <= MAX_PIECE_CHARS) {
      if (pieces.size() >= MAX_ENTRIES) {
        pieces.clear();
      }
      pieces.put(piece, ids);
    }
    return ids;
  }

  /**
   * A piece of a text as a map key, without copying it out: equal to, and hashing like, the String of the same
   * characters. {@code Map.get} compares with {@code key.equals(k)} (its contract), so the map's String keys are
   * found by region; one per encode call, moved from piece to piece, instead of a substring per piece.
   */
  static final class PieceKey {
    private final String text;
    private int start;
    private int end;
    private int hash;

    PieceKey(String text) {
      this.text = text;
    }

    PieceKey of(int from, int to) {
      start = from;
      end = to;
      int h = 0;
      for (int k = from; k < to; k++) {
        h = 31 * h + text.charAt(k);
      }
      hash = h;
      return this;
    }

    @Override
    public int hashCode() {
      return hash;
    }

    @Override
    public boolean equals(Object o) {
      return o instanceof String s && s.length() == end - start && text.regionMatches(start, s, 0, end - start);
    }

    @Override
    public String toString() {
      return text.substring(start, end);
    }
  }

  /**
   * End of the piece of Qwen2's split regex that starts at {@code i}, for text of {@link #fastPathChar} characters:
   * the regex's alternatives in order (the first that matches wins, each as long as it goes).
   */
  static int pieceEnd(String s, int i) {
    int n = s.length();
    char c = s.charAt(i);
    // (?i:'s|'t|'re|'ve|'m|'ll|'d)
    if (c == '\'' && i + 1 < n) {
      char a = lower(s.charAt(i + 1));
      if (a == 's' || a == 't' || a == 'm' || a == 'd') {
        return i + 2;
      }
      if (i + 2 < n) {
        char b = lower(s.charAt(i + 2));
        if (a == 'r' && b == 'e' || a == 'v' && b == 'e' || a == 'l' && b == 'l') {
          return i + 3;
        }
      }
    }
    // [^\r\n\p{L}\p{N}]?\p{L}+
    if (letter(c)) {
      return letters(s, i);
    }
    if (!crlf(c) && !digit(c) && i + 1 < n && letter(s.charAt(i + 1))) {
      return letters(s, i + 1);
    }
    // \p{N}
    if (digit(c)) {
      return i + 1;
    }
    // ' ?[^\s\p{L}\p{N}]+[\r\n]*'
    int j = c == ' ' && i + 1 < n && symbol(s.charAt(i + 1)) ? i + 1 : i;
    if (symbol(s.charAt(j))) {
      while (j < n && symbol(s.charAt(j))) {
        j++;
      }
      while (j < n && crlf(s.charAt(j))) {
        j++;
      }
      return j;
    }
    // c is whitespace: \s*[\r\n]+ (up to the run's last CR/LF), else \s+(?!\S), else \s+
    int end = i;
    int lastBreak = -1;
    while (end < n && space(s.charAt(end))) {
      if (crlf(s.charAt(end))) {
        lastBreak = end;
      }
      end++;
    }
    if (lastBreak >= 0) {
      return lastBreak + 1;
    }
    return end == n || end - i == 1 ? end : end - 1;
  }

  private static int letters(String s, int from) {
    int j = from;
    while (j < s.length() && letter(s.charAt(j))) {
      j++;
    }
    return j;
  }

  /**
   * Printable ASCII, tab, CR, LF, and Latin-1's printable characters but NBSP: no C0/C1 controls and none of the
   * whitespace that Java and HF's regex class differently (U+0085, U+00A0). ASCII + Latin-1 text is NFC already
   * (no combining marks), so the normalizer changes nothing.
   */
  static boolean fastPathChar(char c) {
    return c < 128 ? c >= 32 && c != 127 || c == '\t' || c == '\n' || c == '\r' : c > 0xA0 && c < 256;
  }

  private static char lower(char c) {
    return c >= 'A' && c <= 'Z' ? (char) (c + 32) : c;
  }

  /** {@code \p{L}} over the fast path's characters: ASCII letters and Latin-1's (ª, µ, º, À-ÿ but × and ÷). */
  private static boolean letter(char c) {
    return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c > 0xA0 && Character.isLetter(c);
  }

  /** {@code \p{N}} over the fast path's characters: ASCII digits, ², ³, ¹, ¼, ½ and ¾. */
  private static boolean digit(char c) {
    return c >= '0' && c <= '9' || c == 0xB2 || c == 0xB3 || c == 0xB9 || c >= 0xBC && c <= 0xBE;
  }

  private static boolean space(char c) {
    return c == ' ' || c == '\t' || c == '\n' || c == '\r';
  }

  private static boolean crlf(char c) {
    return c == '\n' || c == '\r';
  }

  private static boolean symbol(char c) {
    return !space(c) && !letter(c) && !digit(c);
  }

  /** The {@code model} object's scalar fields (its vocabulary and merges skipped). */
  private static Map<String, Object> modelHeader(JsonParser p, JsonToken value) throws IOException {
    Map<String, Object> m = new LinkedHashMap<>();
    if (value != JsonToken.START_OBJECT) {
      p.skipChildren();
      return m;
    }
    while (p.nextToken() == JsonToken.FIELD_NAME) {
      String field = p.currentName();
      JsonToken v = p.nextToken();
      if (v == JsonToken.START_OBJECT || v == JsonToken.START_ARRAY) {
        p.skipChildren();
      } else {
        m.put(field, scalar(p, v));
      }
    }
    return m;
  }

  /** A small JSON value as Map / List / String / Boolean / Number / null. */
  private static Object read(JsonParser p, JsonToken t) throws IOException {
    if (t == JsonToken.START_OBJECT) {
      Map<String, Object> m = new LinkedHashMap<>();
      while (p.nextToken() == JsonToken.FIELD_NAME) {
        String field = p.currentName();
        m.put(field, read(p, p.nextToken()));
      }
      return m;
    }
    if (t == JsonToken.START_ARRAY) {
      List<Object> l = new ArrayList<>();
      for (JsonToken e = p.nextToken(); e != JsonToken.END_ARRAY; e = p.nextToken()) {
        l.add(read(p, e));
      }
      return l;
    }
    return scalar(p, t);
  }

  private static Object scalar(JsonParser p, JsonToken t) throws IOException {
    return switch (t) {
      case VALUE_STRING -> p.getText();
      case VALUE_TRUE -> Boolean.TRUE;
      case VALUE_FALSE -> Boolean.FALSE;
      case VALUE_NUMBER_INT, VALUE_NUMBER_FLOAT -> p.getNumberValue();
      default -> null;
    };
  }
}

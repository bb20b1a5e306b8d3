package io.kvroute.common.tokenizer;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

class AsciiPreTokenCacheTest {

  /** Native encoding only (no caches), the oracle. */
  private static final ModelTokenizer NATIVE = ModelTokenizer.loadBundled(0);
  private static final byte[] BUNDLED_JSON = TokenizerFiles.bundled().tokenizerJson();
  /** Printable ASCII, tab, CR, LF, with the characters the regex treats specially over-represented. */
  private static final String ALPHABET = "aZ9 '\n\r\t!.,-sStTmMdDrReEvVlL  \n" + printableAscii();
  /** ALPHABET and Latin-1's printable characters, its letters, numbers and symbols over-represented. */
  private static final String LATIN1 = ALPHABET + "éèàçüöñßÉÀ²³¹¼½¾ªºµ×÷«»¿¡§°" + printableLatin1();

  private static String printableLatin1() {
    StringBuilder sb = new StringBuilder();
    for (char c = 0xA1; c < 256; c++) {
      sb.append(c);
    }
    return sb.toString();
  }

  private static String printableAscii() {
    StringBuilder sb = new StringBuilder();
    for (char c = 32; c < 127; c++) {
      sb.append(c);
    }
    return sb.toString();
  }

  private static String randomText(SplittableRandom rnd, int maxLen) {
    return randomText(rnd, maxLen, ALPHABET);
  }

  private static String randomText(SplittableRandom rnd, int maxLen, String alphabet) {
    StringBuilder sb = new StringBuilder();
    int len = 1 + rnd.nextInt(maxLen);
    for (int i = 0; i < len; i++) {
      sb.append(alphabet.charAt(rnd.nextInt(alphabet.length())));
    }
    return sb.toString();
  }

  @Test
  void shouldCutTextExactlyWhereQwen2sSplitRegexDoes() {
    Pattern regex = Pattern.compile(AsciiPreTokenCache.QWEN2_SPLIT);
    SplittableRandom rnd = new SplittableRandom(7);
    for (int k = 0; k < 100_000; k++) {
      String text = randomText(rnd, 24, k % 2 == 0 ? ALPHABET : LATIN1);
      List<String> scanned = new ArrayList<>();
      for (int i = 0; i < text.length(); ) {
        int end = AsciiPreTokenCache.pieceEnd(text, i);
        scanned.add(text.substring(i, end));
        i = end;
      }
      List<String> matched = new ArrayList<>();
      Matcher m = regex.matcher(text);
      while (m.find()) {
        matched.add(m.group());
      }
      assertThat(scanned).as("pieces of %s", text.replace("\n", "\\n").replace("\r", "\\r").replace("\t", "\\t"))
          .isEqualTo(matched);
    }
  }

  @Test
  void shouldGiveTheNativeIdsForRandomAsciiText() {
    AsciiPreTokenCache cache = AsciiPreTokenCache.create(BUNDLED_JSON, NATIVE::encode);
    ModelTokenizer cached = ModelTokenizer.loadBundled(1 << 20);
    SplittableRandom rnd = new SplittableRandom(11);
    int fast = 0;
    for (int k = 0; k < 5_000; k++) {
      String text = randomText(rnd, 80);
      int[] expected = NATIVE.encode(text);
      int[] ids = cache.encode(text);
      if (ids != null) {
        assertThat(ids).as("ids of %s", text).isEqualTo(expected);
        fast++;
      }
      assertThat(cached.encode(text)).as("ids of %s", text).isEqualTo(expected);
    }
    assertThat(fast).as("texts answered from the cache (1,063 with this seed)").isGreaterThan(500);
    // Text the fast path must leave to the native tokenizer: added tokens, non-ASCII, control characters.
    for (String text : List.of("a <|im_start|>user\nhi<|im_end|>", "naïve café", "tab\u000bvertical", "x\u007fy",
        "emoji 🙂 ok", "I'M here, you'RE there; it's 2024-11-24!\r\n\r\n  done  ")) {
      assertThat(cached.encode(text)).as("ids of %s", text).isEqualTo(NATIVE.encode(text));
    }
  }

  /**
   * Random segments of {@code alphabet} (texts that cannot hold an added token) through {@code encodeSegment}: each
   * one the fast path answers has the native ids. Returns how many of those {@code counted} accepts; every text also
   * goes through {@code alsoCheck}.
   */
  private static int checkRandomSegments(AsciiPreTokenCache cache, long seed, String alphabet,
      Predicate<String> counted, Consumer<String> alsoCheck) {
    SplittableRandom rnd = new SplittableRandom(seed);
    int fast = 0;
    for (int k = 0; k < 5_000; k++) {
      String text = randomText(rnd, 80, alphabet);
      if (text.contains("<|") || text.contains("<tool_call>") || text.contains("</tool_call>")) {
        continue; // could hold an added token: not a segment
      }
      int[] ids = cache.encodeSegment(text);
      if (ids != null) {
        assertThat(ids).as("ids of %s", text).isEqualTo(NATIVE.encode(text));
        fast += counted.test(text) ? 1 : 0;
      }
      alsoCheck.accept(text);
    }
    return fast;
  }

  @Test
  void shouldGiveTheNativeIdsForRandomLatin1Text() {
    AsciiPreTokenCache cache = AsciiPreTokenCache.create(BUNDLED_JSON, NATIVE::encode);
    int fast = checkRandomSegments(cache, 17, LATIN1, t -> t.chars().anyMatch(c -> c > 127), t -> { });
    assertThat(fast).as("Latin-1 texts answered from the cache").isGreaterThan(100);
    // words of Western European languages, and what stays native: NBSP, NEL, combining marks, other scripts
    for (String text : List.of("Le château a ses raisons", "déjà vu, naïve façade, Straße, niño", "½ + ¼ = ¾ m²")) {
      cache.encode(text);
      cache.encode(text);
      assertThat(cache.encode(text)).as(text).isEqualTo(NATIVE.encode(text));
    }
    for (String text : List.of("a\u00a0b", "a\u0085b", "cafe\u0301", "cœur", "Привет", "東京")) {
      assertThat(cache.encode(text)).as(text).isNull();
    }
  }

  @Test
  void shouldGiveTheNativeIdsForRandomSegmentsWithAngleBrackets() {
    AsciiPreTokenCache cache = AsciiPreTokenCache.create(BUNDLED_JSON, NATIVE::encode);
    int fast = checkRandomSegments(cache, 13, ALPHABET, t -> t.indexOf('<') >= 0,
        t -> assertThat(cache.encode(t) == null || t.indexOf('<') < 0).as("raw text with '<' is left to the caller")
            .isTrue());
    assertThat(fast).as("segments with '<' answered from the cache").isGreaterThan(100);
  }

  @Test
  void shouldEncodeEachNewPieceOnceAndLeaveMostlyNewTextToTheCaller() {
    AtomicInteger nativeCalls = new AtomicInteger();
    AsciiPreTokenCache cache = AsciiPreTokenCache.create(BUNDLED_JSON, s -> {
      nativeCalls.incrementAndGet();
      return NATIVE.encode(s);
    });
    assertThat(cache).isNotNull();
    String text = "the router routes the request to the worker";

    // 8 pieces, all new: one native call for the whole text is cheaper, so the caller makes it; the 7 different
    // pieces ("the", " router", " routes", " the", " request", " to", " worker") are cached meanwhile.
    assertThat(cache.encode(text)).isNull();
    assertThat(nativeCalls.get()).isEqualTo(7);
    // 10 pieces seen before: no native call.
    assertThat(cache.encode(text + " the worker")).isEqualTo(NATIVE.encode(text + " the worker"));
    assertThat(nativeCalls.get()).isEqualTo(7);
    // 1 new piece of 9: encoded alone, the rest from the cache.
    assertThat(cache.encode(text + " quickly")).isEqualTo(NATIVE.encode(text + " quickly"));
    assertThat(nativeCalls.get()).isEqualTo(8);
    assertThat(cache.misses()).isEqualTo(8 + 1);
    assertThat(cache.hits()).isEqualTo(10 + 8);
    assertThat(cache.encode("<|im_start|>")).isNull();
    assertThat(cache.encode("café")).isNull();
  }

  @Test
  void shouldFindStringKeysByARegionOfText() {
    SplittableRandom random = new SplittableRandom(5);
    ConcurrentHashMap<String, Integer> map = new ConcurrentHashMap<>();
    for (int i = 0; i < 2_000; i++) {
      StringBuilder sb = new StringBuilder();
      for (int n = 1 + random.nextInt(12); n > 0; n--) {
        sb.append((char) (random.nextBoolean() ? random.nextInt(0x20, 0x7f) : random.nextInt(0xa1, 0x100)));
      }
      String text = sb.toString();
      int from = random.nextInt(text.length());
      int to = from + 1 + random.nextInt(text.length() - from);
      String piece = text.substring(from, to);
      AsciiPreTokenCache.PieceKey key = new AsciiPreTokenCache.PieceKey("<" + text + ">").of(from + 1, to + 1);
      assertThat(key.hashCode()).isEqualTo(piece.hashCode());
      assertThat(key.equals(piece)).isTrue();
      assertThat(key.toString()).isEqualTo(piece);
      assertThat(key.equals(piece + "x")).isFalse();
      map.put(piece, i);
      assertThat(map.get(key)).isEqualTo(i);
    }
    assertThat(map.get(new AsciiPreTokenCache.PieceKey("never a key, not at all").of(0, 23))).isNull();
  }

  @Test
  void shouldRefuseOtherPipelines() {
    String json = new String(BUNDLED_JSON, StandardCharsets.UTF_8);
    String llama3Digits = json.replace("|\\\\p{N}|", "|\\\\p{N}{1,3}|");
    assertThat(llama3Digits).isNotEqualTo(json);
    String dropout = json.replaceFirst("\"dropout\": null", "\"dropout\": 0.1");
    assertThat(dropout).isNotEqualTo(json);
    String lowercase = json.replaceFirst("\"normalizer\": \\{", "\"normalizer\": {\"lowercase\": true, ");
    assertThat(lowercase).isNotEqualTo(json);

    assertThat(AsciiPreTokenCache.create(BUNDLED_JSON, NATIVE::encode)).isNotNull();
    for (String other : List.of(llama3Digits, dropout, lowercase, "{}", "not json")) {
      assertThat(AsciiPreTokenCache.create(other.getBytes(StandardCharsets.UTF_8), NATIVE::encode)).isNull();
    }
  }
}

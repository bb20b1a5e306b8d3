package io.kvroute.common.tokenizer;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.json.JsonObject;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The segment-cached encoding ({@code encodeChat}, {@code encodeCached}) gives exactly the plain DJL ids. */
class SegmentCacheTest {

  private static final String[] ADDED = {"<|endoftext|>", "<|im_start|>", "<|im_end|>", "<|object_ref_start|>",
      "<|object_ref_end|>", "<|box_start|>", "<|box_end|>", "<|quad_start|>", "<|quad_end|>", "<|vision_start|>",
      "<|vision_end|>", "<|vision_pad|>", "<|image_pad|>", "<|video_pad|>", "<tool_call>", "</tool_call>",
      "<|fim_prefix|>", "<|fim_middle|>", "<|fim_suffix|>", "<|fim_pad|>", "<|repo_name|>", "<|file_sep|>"};

  private static final String[] FRAGMENTS = {"the", " router", " keeps", " cache", "d", "'s", "'ll", "'RE", " ",
      "  ", "   ", "\n", "\n\n", "\t", "\r\n", " \n ", "0", "12", "345", "2048", "e\u0301", "A\u030a", "\u0301",
      "n\u0303o", "🚀", "👨‍👩‍👧‍👦", "🇫🇷", "東京", "缓存", "路由", "日本語", "العربية", "Привет", "x[i] += 1;", "...",
      "!?", "<", ">", "|", "<|", "|>", "<|im_sta", "im_end|>", "</tool", "<tool_call", "_", "-", "\u00a0", "\u3000",
      "\ud835\udd18", "\u0000", "ﬁ", "Å", "ǅ", " café", " naïve", "{\"a\": 1}", "\\n"};

  private static final ModelTokenizer PLAIN = ModelTokenizer.loadBundled(0);

  @Test
  void shouldMatchPlainEncodingOnEveryGoldenCase() throws Exception {
    ModelTokenizer bundled = ModelTokenizer.loadBundled();
    ModelTokenizer tiny = ModelTokenizer.loadBundled(300); // evicts all the time
    assertThat(bundled.segmentCacheEnabled()).isTrue();
    assertThat(PLAIN.segmentCacheEnabled()).isFalse();
    List<JsonObject> cases = new ArrayList<>();
    for (String resource : List.of("/tokenizer/qwen2_5_chat_template.json", "/tokenizer/qwen2_5_extra_cases.json")) {
      ChatTemplateGoldenTest.loadCases(resource).forEach(o -> cases.add((JsonObject) o));
    }
    Path shared = Path.of("/work/shared/golden/qwen2_5_chat_template.json");
    if (Files.exists(shared)) {
      new io.vertx.core.json.JsonArray(Files.readString(shared)).forEach(o -> cases.add((JsonObject) o));
    }
    assertThat(cases).hasSizeGreaterThan(10);
    for (int round = 0; round < 2; round++) { // second round: from the cache
      for (JsonObject c : cases) {
        String prompt = c.getString("prompt");
        int[] expected = ChatTemplateGoldenTest.ids(c);
        assertThat(PLAIN.encode(prompt)).as(c.getString("name")).containsExactly(expected);
        assertThat(bundled.encodeCached(prompt)).as(c.getString("name")).containsExactly(expected);
        assertThat(tiny.encodeCached(prompt)).as(c.getString("name")).containsExactly(expected);
        if (c.containsKey("messages")) {
          assertThat(tiny.encodeChat(ChatTemplateGoldenTest.listOfMaps(c, "messages"),
              ChatTemplateGoldenTest.listOfMaps(c, "tools"), c.getBoolean("add_generation_prompt", true)))
              .as(c.getString("name")).containsExactly(expected);
        }
      }
    }
    assertThat(tiny.segmentCacheStats().hits()).isPositive();
    assertThat(tiny.segmentCacheStats().evictions()).isPositive();
  }

  @Test
  void shouldMatchPlainEncodingOnRandomTextsWithHitsAndEvictions() {
    ModelTokenizer cached = ModelTokenizer.loadBundled(20_000);
    SplittableRandom random = new SplittableRandom(20261124);
    List<String> pool = new ArrayList<>();
    for (int i = 0; i < 60; i++) {
      pool.add(randomPiece(random, 1 + random.nextInt(40)));
    }
    for (int t = 0; t < 3000; t++) {
      String text = randomText(random, pool);
      int[] expected = PLAIN.encode(text);
      int[] actual = cached.encodeCached(text);
      if (!Arrays.equals(actual, expected)) {
        assertThat(actual).as("text #%d %s", t, escape(text)).containsExactly(expected);
      }
    }
    SegmentCacheStats stats = cached.segmentCacheStats();
    assertThat(stats.hits()).isGreaterThan(1000);
    assertThat(stats.misses()).isGreaterThan(1000);
    assertThat(stats.evictions()).isPositive();
    assertThat(stats.weight()).isLessThanOrEqualTo(stats.maxWeight());
    assertThat(stats.maxWeight()).isEqualTo(20_000);
  }

  @Test
  void shouldStayExactWhenManyThreadsShareOneCache() throws Exception {
    ModelTokenizer cached = ModelTokenizer.loadBundled(8_000);
    SplittableRandom random = new SplittableRandom(7);
    List<String> pool = new ArrayList<>();
    for (int i = 0; i < 30; i++) {
      pool.add(randomPiece(random, 5 + random.nextInt(60)));
    }
    List<String> texts = new ArrayList<>();
    for (int i = 0; i < 300; i++) {
      texts.add(randomText(random, pool));
    }
    List<int[]> expected = texts.stream().map(PLAIN::encode).toList();
    ExecutorService threads = Executors.newFixedThreadPool(6);
    try {
      List<Future<Integer>> results = new ArrayList<>();
      for (int t = 0; t < 6; t++) {
        int offset = t * 37;
        results.add(threads.submit(() -> {
          int wrong = 0;
          for (int round = 0; round < 3; round++) {
            for (int i = 0; i < texts.size(); i++) {
              int k = (i + offset + round * 11) % texts.size();
              if (!Arrays.equals(cached.encodeCached(texts.get(k)), expected.get(k))) {
                wrong++;
              }
            }
          }
          return wrong;
        }));
      }
      for (Future<Integer> result : results) {
        assertThat(result.get()).isZero();
      }
    } finally {
      threads.shutdownNow();
    }
    assertThat(cached.segmentCacheStats().hits()).isPositive();
    assertThat(cached.segmentCacheStats().evictions()).isPositive();
  }

  @Test
  void shouldReuseEarlierTurnsOfAConversation() throws Exception {
    ModelTokenizer cached = ModelTokenizer.loadBundled(1 << 20);
    List<java.util.Map<String, Object>> chat = new ArrayList<>();
    chat.add(java.util.Map.of("role", "system", "content", "You are a careful assistant. ".repeat(20)));
    for (int turn = 0; turn < 6; turn++) {
      chat.add(java.util.Map.of("role", "user", "content", "question " + turn + " about caching ".repeat(turn + 3)));
      int[] ids = cached.encodeChat(chat, null, true);
      assertThat(ids).containsExactly(PLAIN.encode(PLAIN.applyChatTemplate(chat, null, true)));
      chat.add(java.util.Map.of("role", "assistant", "content", "answer " + turn + " 🚀 ".repeat(turn + 1)));
    }
    SegmentCacheStats stats = cached.segmentCacheStats();
    // turn t looks up its 2t+1 earlier messages and the "\n" between messages: all hits after the first turn
    assertThat(stats.hits()).isGreaterThan(stats.misses());
  }

  @Test
  void shouldFallBackToPlainPathForAddedTokensItDoesNotReproduce(@TempDir Path dir) throws Exception {
    Path lstripDir = Files.createDirectories(dir.resolve("lstrip"));
    writeBundledWith(lstripDir, "<tool_call>", "lstrip");
    ModelTokenizer lstrip = ModelTokenizer.load(lstripDir, 1 << 20);
    assertThat(lstrip.segmentCacheEnabled()).isTrue();
    for (String text : List.of("a  <tool_call>  b<|im_end|>\n", "<|im_start|>x<|im_end|>\n", "x <tool_call>")) {
      assertThat(lstrip.encodeCached(text)).containsExactly(lstrip.encode(text));
    }
    assertThat(lstrip.segmentCacheStats().uncachedTexts()).isEqualTo(2);

    Path normalizedDir = Files.createDirectories(dir.resolve("normalized"));
    writeBundledWith(normalizedDir, "<|fim_pad|>", "normalized");
    ModelTokenizer normalized = ModelTokenizer.load(normalizedDir, 1 << 20);
    assertThat(normalized.segmentCacheEnabled()).isFalse();
    assertThat(normalized.encodeCached("a<|fim_pad|>b")).containsExactly(normalized.encode("a<|fim_pad|>b"));
  }

  @Test
  void shouldSplitLeftmostLongestLikeHuggingFace() {
    byte[] json = ("{\"added_tokens\":[{\"id\":10,\"content\":\"<a>\"},{\"id\":11,\"content\":\"<a><b>\"},"
        + "{\"id\":12,\"content\":\"b>\"}],\"model\":{\"vocab\":{\"x\":0}}}").getBytes(StandardCharsets.UTF_8);
    AddedTokenSplitter splitter = AddedTokenSplitter.create(json);
    AddedTokenSplitter.Segments s = splitter.split("x<a><b>yb><a>");
    assertThat(Arrays.copyOf(s.tokenIds, s.count)).containsExactly(-1, 11, -1, 12, 10);
    assertThat(Arrays.copyOf(s.starts, s.count)).containsExactly(0, 1, 7, 8, 10);
    byte[] clash = ("{\"added_tokens\":[{\"id\":0,\"content\":\"<s>\"}],\"model\":{\"vocab\":{\"<s>\":0}}}")
        .getBytes(StandardCharsets.UTF_8);
    assertThat(AddedTokenSplitter.create(clash)).isNull();
    byte[] first = ("{\"added_tokens\":[],\"pre_tokenizer\":{\"type\":\"Metaspace\",\"prepend_scheme\":\"first\"},"
        + "\"model\":{\"vocab\":{}}}").getBytes(StandardCharsets.UTF_8);
    assertThat(AddedTokenSplitter.create(first)).isNull();
  }

  /** The bundled tokenizer.json with {@code flag} set to true on the added token {@code content}. */
  private static void writeBundledWith(Path dir, String content, String flag) throws Exception {
    JsonObject json;
    try (InputStream in = ModelTokenizer.class.getClassLoader()
        .getResourceAsStream("kvroute/models/qwen2.5/tokenizer.json")) {
      json = new JsonObject(new String(in.readAllBytes(), StandardCharsets.UTF_8));
    }
    int changed = 0;
    for (Object o : json.getJsonArray("added_tokens")) {
      JsonObject token = (JsonObject) o;
      if (content.equals(token.getString("content"))) {
        token.put(flag, true);
        changed++;
      }
    }
    assertThat(changed).isEqualTo(1);
    Files.writeString(dir.resolve("tokenizer.json"), json.encode());
  }

  /**
   * Added tokens alternating with pieces: mostly from the pool (repeated pieces: cache hits), sometimes fresh or two
   * glued together (misses), sometimes none (adjacent added tokens).
   */
  private static String randomText(SplittableRandom random, List<String> pool) {
    StringBuilder text = new StringBuilder();
    int parts = 1 + random.nextInt(8);
    for (int p = 0; p < parts; p++) {
      if (p > 0 || random.nextBoolean()) {
        text.append(ADDED[random.nextInt(random.nextInt(4) == 0 ? ADDED.length : 3)]);
      }
      int kind = random.nextInt(10);
      if (kind < 6) {
        text.append(pool.get(random.nextInt(pool.size())));
      } else if (kind < 8) {
        text.append(randomPiece(random, 1 + random.nextInt(12)));
      } else if (kind < 9) {
        text.append(pool.get(random.nextInt(pool.size()))).append(pool.get(random.nextInt(pool.size())));
      }
    }
    return text.toString();
  }

  private static String randomPiece(SplittableRandom random, int fragments) {
    StringBuilder piece = new StringBuilder();
    for (int f = 0; f < fragments; f++) {
      piece.append(FRAGMENTS[random.nextInt(FRAGMENTS.length)]);
    }
    return piece.toString();
  }

  private static String escape(String text) {
    StringBuilder out = new StringBuilder();
    text.codePoints().forEach(c -> out.append(c >= 0x20 && c < 0x7f ? Character.toString(c)
        : String.format("\\u{%x}", c)));
    return out.toString();
  }
}

package io.kvroute.common.tokenizer;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * {@code encodeFromMemory}: the ids of {@code encodeCached} when every piece is in the caches, null otherwise, and
 * never a native tokenizer call (callers run it on event loops).
 */
class EncodeFromMemoryTest {

  private static final ModelTokenizer PLAIN = ModelTokenizer.loadBundled(0);
  private static final String[] WORDS = {"the", " router", " keeps", " cache", "'s", " blocks", ".", ",", "\n", " ",
      "  ", "\n\n", " 42", " x[i] += 1;", " (ok)", "!", " KV", " worker", "-", " prefix", "\t", " it'll", " WE'RE",
      " a < b", " List<String>", "</div>", "<", "|", ">", " <|", "|>", "<tool", "im_end"};
  private static final String[] MARKERS = {"<|im_start|>", "<|im_end|>", "<tool_call>", "<|endoftext|>"};

  private static String randomText(SplittableRandom rnd) {
    StringBuilder sb = new StringBuilder();
    int n = 1 + rnd.nextInt(40);
    for (int i = 0; i < n; i++) {
      sb.append(rnd.nextInt(12) == 0 ? MARKERS[rnd.nextInt(MARKERS.length)] : WORDS[rnd.nextInt(WORDS.length)]);
    }
    return sb.toString();
  }

  @Test
  void shouldGiveThePlainIdsOnceEveryPieceIsCached() {
    ModelTokenizer cached = ModelTokenizer.loadBundled(1 << 20);
    SplittableRandom rnd = new SplittableRandom(5);
    for (int k = 0; k < 300; k++) { // warm-up: the words enter the ASCII piece cache
      cached.encodeCached(randomText(rnd));
    }
    int answered = 0;
    for (int k = 0; k < 2_000; k++) {
      String text = randomText(rnd);
      int[] ids = cached.encodeFromMemory(text);
      if (ids != null) {
        assertThat(ids).as("ids of %s", text.replace("\n", "\\n")).containsExactly(PLAIN.encode(text));
        answered++;
      }
      cached.encodeCached(text);
      assertThat(cached.encodeFromMemory(text)).as("a text just encoded is answered from memory")
          .containsExactly(PLAIN.encode(text));
    }
    // (1,177 of 2,000 with this seed: adjacent symbol fragments form symbol runs never seen before)
    assertThat(answered).as("new texts of known words answered from memory").isGreaterThan(1_000);
  }

  @Test
  void shouldAnswerNullAndCountNothingWhenAPieceIsNotCached() {
    ModelTokenizer cached = ModelTokenizer.loadBundled(1 << 20);
    String known = "<|im_start|>user\nthe router keeps the cache<|im_end|>\n";
    int[] expected = cached.encodeCached(known);
    SegmentCacheStats before = cached.segmentCacheStats();
    // an unseen word, a non-ASCII word, and a chat whose new turn has either
    for (String text : List.of("the router keeps the zebrafish", "the café", known + "<|im_start|>user\ncafé")) {
      assertThat(cached.encodeFromMemory(text)).as(text).isNull();
    }
    assertThat(cached.segmentCacheStats()).isEqualTo(before);
    assertThat(cached.encodeFromMemory(known)).containsExactly(expected);
    // a cached non-ASCII piece (an earlier turn) is answered from the segment cache
    String turn = "<|im_start|>user\nle café naïf<|im_end|>\n";
    cached.encodeCached(turn);
    assertThat(cached.encodeFromMemory(turn + known)).containsExactly(PLAIN.encode(turn + known));
    assertThat(ModelTokenizer.loadBundled(0).encodeFromMemory("the")).as("caches off").isNull();
  }

  @Test
  void shouldKeepTheFastPathForAngleBracketsBetweenAddedTokens() {
    ModelTokenizer cached = ModelTokenizer.loadBundled(1 << 20);
    String code = "<|im_start|>user\nif a < b: print(List<String> x) </div> <|fim <tool>|<|im_end|>\n";
    assertThat(cached.encodeCached(code)).containsExactly(PLAIN.encode(code));
    for (int i = 0; i < 4; i++) { // new segments of the same pieces: at most 8 new pieces are cached per segment
      cached.encodeCached("<|im_start|>user\nif a < b: print(List<String> x) </div> <|fim <tool>|" + i);
    }
    // a new text of the same pieces: '<' starts added tokens, yet inside a segment it is a plain character
    String other = "<|im_start|>user\nif b < a: print(List<String> x) <|fim </div> <tool>|<|im_end|>\n";
    assertThat(cached.encodeFromMemory(other)).containsExactly(PLAIN.encode(other));
  }

  @Test
  void shouldRenderAndEncodeAChatFromMemoryLikeEncodeChat() throws Exception {
    ModelTokenizer cached = ModelTokenizer.loadBundled(1 << 20);
    List<Map<String, Object>> chat = List.of(Map.of("role", "system", "content", "You keep the cache."),
        Map.of("role", "user", "content", "the router keeps the blocks, the worker keeps the prefix"));
    String prompt = cached.applyChatTemplate(chat, null, true);
    int[] expected = PLAIN.encodeChat(chat, null, true);
    cached.encodeChat(chat, null, true);
    assertThat(cached.encodeFromMemory(prompt)).containsExactly(expected);
  }

  @Test
  void shouldNeverCallTheNativeTokenizerFromMemory() {
    AtomicInteger nativeCalls = new AtomicInteger();
    AsciiPreTokenCache cache = AsciiPreTokenCache.create(TokenizerFiles.bundled().tokenizerJson(), s -> {
      nativeCalls.incrementAndGet();
      return PLAIN.encode(s);
    });
    assertThat(cache).isNotNull();
    String text = "the router routes the request to the worker";
    assertThat(cache.encodeFromMemory(text)).isNull();
    assertThat(nativeCalls.get()).isZero();
    assertThat(cache.hits() + cache.misses()).as("a failed attempt counts no lookup").isZero();
    cache.encode(text); // 7 new pieces cached, the whole text left to the caller
    cache.encode(text);
    int calls = nativeCalls.get();
    assertThat(cache.encodeFromMemory(text)).containsExactly(PLAIN.encode(text));
    assertThat(cache.encodeFromMemory(text + " quickly")).isNull();
    assertThat(nativeCalls.get()).isEqualTo(calls);
  }
}

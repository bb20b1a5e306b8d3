package io.kvroute.perf.prompt;

import static org.assertj.core.api.Assertions.assertThat;

import io.kvroute.common.tokenizer.ModelTokenizer;
import io.kvroute.perf.trace.TraceRequest;
import io.vertx.core.json.JsonObject;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** With the real bundled Qwen2.5 tokenizer: prompts have exact token lengths and known block boundaries. */
class TokenizerVocabularyTest {

  private static ModelTokenizer tokenizer;
  private static TokenVocabulary vocab;

  @BeforeAll
  static void load() {
    tokenizer = ModelTokenizer.loadBundled();
    vocab = TokenizerVocabulary.build(tokenizer, 4096, tokenizer.vocabSize());
  }

  @Test
  void shouldFindManySingleTokenWords() {
    assertThat(vocab.size()).isEqualTo(4096);
    for (int i = 0; i < vocab.size(); i += 97) {
      assertThat(tokenizer.encode(vocab.text(i))).containsExactly(vocab.id(i));
    }
  }

  @Test
  void shouldBuildSyntheticPromptsOfExactlyTheRequestedLength() {
    var specs = Workloads.synthetic(vocab, "m", Workloads.Api.CHAT, 3000, 100, 3, 3, 42);
    for (var spec : specs) {
      String content = new JsonObject(spec.body().get()).getJsonArray("messages").getJsonObject(0)
          .getString("content");
      assertThat(tokenizer.encode(content)).hasSize(3000);
    }
  }

  @Test
  void shouldKeepTraceBlocksAlignedThroughTheChatTemplate() throws Exception {
    BlockTokenMapper mapper = new BlockTokenMapper(vocab.size(), 512, 42);
    int[] a = mapper.prompt(new long[] {0, 1, 2}, 1400, -1);
    int[] b = mapper.prompt(new long[] {0, 1, 7}, 1300, -2);
    assertThat(TokenizerVocabulary.roundTrips(tokenizer, vocab, a)).isTrue();
    assertThat(TokenizerVocabulary.roundTrips(tokenizer, vocab, b)).isTrue();
    int[] chatA = tokenizer.encodeChat(List.of(Map.of("role", "user", "content", Workloads.text(vocab, a))), null,
        true);
    int[] chatB = tokenizer.encodeChat(List.of(Map.of("role", "user", "content", Workloads.text(vocab, b))), null,
        true);
    int common = 0;
    while (common < Math.min(chatA.length, chatB.length) && chatA[common] == chatB[common]) {
      common++;
    }
    int templatePrefix = indexOfSubArray(chatA, vocab.tokenIds(a));
    assertThat(common - templatePrefix).isEqualTo(2 * TraceRequest.MOONCAKE_BLOCK_TOKENS);
  }

  private static int indexOfSubArray(int[] haystack, int[] needle) {
    outer:
    for (int i = 0; i + needle.length <= haystack.length; i++) {
      for (int j = 0; j < needle.length; j++) {
        if (haystack[i + j] != needle[j]) {
          continue outer;
        }
      }
      return i;
    }
    throw new AssertionError("prompt tokens not found in the templated tokens: " + Arrays.toString(needle));
  }
}

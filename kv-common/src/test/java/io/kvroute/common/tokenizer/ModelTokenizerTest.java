package io.kvroute.common.tokenizer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ModelTokenizerTest {

  private static final int IM_START = 151644;
  private static final int IM_END = 151645;
  private final ModelTokenizer tokenizer = ModelTokenizer.loadBundled();

  @Test
  void shouldDescribeBundledQwenTokenizer() {
    assertThat(tokenizer.modelName()).isEqualTo("Qwen2.5");
    assertThat(tokenizer.eosToken()).isEqualTo("<|im_end|>");
    assertThat(tokenizer.eosTokenId()).isEqualTo(IM_END);
    assertThat(tokenizer.vocabSize()).isEqualTo(151665); // 151643 BPE tokens + 22 added tokens
    assertThat(ModelTokenizer.loadBundled()).isSameAs(tokenizer);
  }

  @Test
  void shouldEncodeEmptyTextToNoTokens() {
    assertThat(tokenizer.encode("")).isEmpty();
    assertThat(tokenizer.decode(new int[0])).isEmpty();
  }

  @Test
  void shouldAddNoSpecialTokensAndNotTruncateLongText() {
    String text = "word ".repeat(3000);
    int[] ids = tokenizer.encode(text);
    assertThat(ids.length).isGreaterThan(2048); // DJL's default would truncate to 512
    assertThat(ids).doesNotContain(IM_START, IM_END, 151643);
    assertThat(tokenizer.decode(ids)).isEqualTo(text);
  }

  @Test
  void shouldTokenizeSpecialTokenTextAsSpecialTokensLikeHuggingFace() {
    int[] ids = tokenizer.encode("a<|im_start|>b<|im_end|>");
    int[] a = tokenizer.encode("a");
    int[] b = tokenizer.encode("b");
    assertThat(ids).containsExactly(concat(a, new int[] {IM_START}, b, new int[] {IM_END}));
  }

  @Test
  void shouldRoundTripUnicode() {
    for (String text : List.of("你好，世界", "🇫🇷👨‍👩‍👧‍👦 emoji", "Привет мир", "tabs\tand\nnewlines\r\n", "𝔘𝔫𝔦",
        "  leading and trailing  ", "العربية", "日本語のテキスト", "nul\u0000char", "\u0001\u007f\uffff")) {
      assertThat(tokenizer.decode(tokenizer.encode(text))).isEqualTo(text);
    }
  }

  @Test
  void shouldSkipSpecialTokensOnlyWhenAsked() {
    int[] ids = tokenizer.encode("<|im_start|>assistant\nHi!<|im_end|>");
    assertThat(tokenizer.decode(ids)).isEqualTo("<|im_start|>assistant\nHi!<|im_end|>");
    assertThat(tokenizer.decode(ids, true)).isEqualTo("assistant\nHi!");
  }

  @Test
  void shouldRejectIdsOutsideTheVocabulary() {
    assertThatThrownBy(() -> tokenizer.decode(new int[] {1, -1})).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("-1");
    assertThatThrownBy(() -> tokenizer.decode(new int[] {tokenizer.vocabSize()}))
        .isInstanceOf(IllegalArgumentException.class);
    assertThat(tokenizer.decode(new int[] {tokenizer.vocabSize() - 1})).isNotEmpty();
  }

  @Test
  void shouldLoadModelDirectoryWithChatTemplateFile(@TempDir Path dir) throws Exception {
    copyResource("tokenizer.json", dir);
    copyResource("tokenizer_config.json", dir);
    Files.writeString(dir.resolve("chat_template.jinja"),
        "{% for m in messages %}[{{ m.role }}] {{ m.content }}\n{% endfor %}{{ eos_token }}\n");
    ModelTokenizer custom = ModelTokenizer.load(dir);
    assertThat(custom.modelName()).isEqualTo(dir.getFileName().toString());
    String prompt = custom.applyChatTemplate(List.of(Map.of("role", "user", "content", "hi")), null, true);
    assertThat(prompt).isEqualTo("[user] hi\n<|im_end|>");
    assertThat(custom.encode("Hello, my dog is cute")).containsExactly(tokenizer.encode("Hello, my dog is cute"));
  }

  @Test
  void shouldFailClearlyOnMissingOrBrokenFiles(@TempDir Path dir) throws IOException {
    assertThatThrownBy(() -> ModelTokenizer.load(dir)).hasMessageContaining("tokenizer.json");
    Files.writeString(dir.resolve("tokenizer.json"), "{\"model\": {\"vocab\": ");
    assertThatThrownBy(() -> ModelTokenizer.load(dir)).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("tokenizer.json");
  }

  @Test
  void shouldNotCallHomeWhenCreatingTokenizers() throws Exception {
    // DJL's factory calls Ec2Utils.callHome (EC2 metadata probe + telemetry) unless offline/opt-out is set;
    // lastCheckIn stays 0 only if callHome returned before doing anything. The bundled tokenizer (field above)
    // was created through that factory.
    assertThat(tokenizer.encode("x")).hasSize(1);
    java.lang.reflect.Field lastCheckIn = ai.djl.util.Ec2Utils.class.getDeclaredField("lastCheckIn");
    lastCheckIn.setAccessible(true);
    assertThat(lastCheckIn.getLong(null)).isZero();
    assertThat(ai.djl.util.Utils.isOfflineMode()).isTrue();
  }

  @Test
  void shouldEncodeAndDecodeConsistentlyFromManyThreads() throws Exception {
    List<String> texts = IntStream.range(0, 64)
        .mapToObj(i -> "request " + i + ": " + "数据 caching prefix routing 🚀 ".repeat(i % 7 + 1)).toList();
    List<int[]> expected = texts.stream().map(tokenizer::encode).toList();
    List<List<Map<String, Object>>> chats = texts.stream()
        .map(t -> List.<Map<String, Object>>of(Map.of("role", "user", "content", t))).toList();
    List<int[]> expectedChats = new ArrayList<>();
    for (List<Map<String, Object>> chat : chats) {
      expectedChats.add(tokenizer.encodeChat(chat, null, true));
    }
    ExecutorService pool = Executors.newFixedThreadPool(8);
    try {
      List<Future<Boolean>> results = new ArrayList<>();
      for (int t = 0; t < 8; t++) {
        int offset = t;
        results.add(pool.submit(() -> {
          for (int round = 0; round < 3; round++) {
            for (int i = 0; i < texts.size(); i++) {
              int k = (i + offset * 7 + round) % texts.size();
              int[] ids = tokenizer.encode(texts.get(k));
              if (!java.util.Arrays.equals(ids, expected.get(k)) || !tokenizer.decode(ids).equals(texts.get(k))
                  || !java.util.Arrays.equals(tokenizer.encodeChat(chats.get(k), null, true), expectedChats.get(k))) {
                return false;
              }
            }
          }
          return true;
        }));
      }
      for (Future<Boolean> result : results) {
        assertThat(result.get()).isTrue();
      }
    } finally {
      pool.shutdownNow();
    }
  }

  static int[] concat(int[]... parts) {
    return java.util.Arrays.stream(parts).flatMapToInt(java.util.Arrays::stream).toArray();
  }

  static Path writeBundledTo(Path dir) throws IOException {
    copyResource("tokenizer.json", dir);
    copyResource("tokenizer_config.json", dir);
    return dir;
  }

  private static void copyResource(String name, Path dir) throws IOException {
    try (InputStream in = ModelTokenizer.class.getClassLoader()
        .getResourceAsStream("kvroute/models/qwen2.5/" + name)) {
      Files.copy(in, dir.resolve(name));
    }
  }
}

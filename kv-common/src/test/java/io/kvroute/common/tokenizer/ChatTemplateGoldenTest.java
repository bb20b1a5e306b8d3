package io.kvroute.common.tokenizer;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * The HuggingFace reference cases (transformers apply_chat_template + tokenizer, copied from
 * shared/golden/qwen2_5_chat_template.json): prompt string and token ids must match byte for byte.
 */
class ChatTemplateGoldenTest {

  static JsonArray loadCases(String resource) throws IOException {
    try (InputStream in = ChatTemplateGoldenTest.class.getResourceAsStream(resource)) {
      assertThat(in).as(resource).isNotNull();
      return new JsonArray(new String(in.readAllBytes(), StandardCharsets.UTF_8));
    }
  }

  @SuppressWarnings("unchecked")
  static List<Map<String, Object>> listOfMaps(JsonObject c, String key) {
    JsonArray array = c.getJsonArray(key);
    return array == null ? null : (List<Map<String, Object>>) (List<?>) array.getList();
  }

  static int[] ids(JsonObject c) {
    return c.getJsonArray("token_ids").stream().mapToInt(o -> ((Number) o).intValue()).toArray();
  }

  @TestFactory
  Stream<DynamicTest> shouldReproduceHuggingFaceGoldenCases() throws IOException {
    ModelTokenizer tokenizer = ModelTokenizer.loadBundled();
    return loadCases("/tokenizer/qwen2_5_chat_template.json").stream().map(o -> (JsonObject) o)
        .map(c -> DynamicTest.dynamicTest(c.getString("name"), () -> {
          String expectedPrompt = c.getString("prompt");
          if (c.containsKey("messages")) {
            String prompt = tokenizer.applyChatTemplate(listOfMaps(c, "messages"), listOfMaps(c, "tools"), true);
            assertThat(prompt).isEqualTo(expectedPrompt);
            assertThat(tokenizer.encodeChat(listOfMaps(c, "messages"), listOfMaps(c, "tools"), true))
                .containsExactly(ids(c));
          }
          assertThat(tokenizer.encode(expectedPrompt)).containsExactly(ids(c));
          assertThat(tokenizer.decode(ids(c))).isEqualTo(expectedPrompt);
        }));
  }
}

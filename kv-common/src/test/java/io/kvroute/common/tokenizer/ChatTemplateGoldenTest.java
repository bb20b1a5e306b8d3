package io.kvroute.common.tokenizer;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.text.Normalizer;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * Reference conversations whose prompt string and token ids must match byte for byte.
 *
 * <ul>
 *   <li>{@code qwen2_5_chat_template.json}: HuggingFace transformers apply_chat_template + tokenizer (copied from
 *       shared/golden/).
 *   <li>{@code qwen2_5_extra_cases.json}: tool calls and results, unicode, whitespace, special-token text in user
 *       content, system present/absent/inline, unknown roles, a 5k-token conversation. Prompts rendered by Jinja2
 *       with HF's environment (src/test/tools/hf_render.py), ids by @lenml/tokenizers (a transformers.js port);
 *       neither shares code with DJL or jinjava.
 * </ul>
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
    return casesOf("/tokenizer/qwen2_5_chat_template.json");
  }

  @TestFactory
  Stream<DynamicTest> shouldReproduceExtraReferenceCases() throws IOException {
    return casesOf("/tokenizer/qwen2_5_extra_cases.json");
  }

  private static Stream<DynamicTest> casesOf(String resource) throws IOException {
    ModelTokenizer tokenizer = ModelTokenizer.loadBundled();
    return loadCases(resource).stream().map(o -> (JsonObject) o)
        .map(c -> DynamicTest.dynamicTest(c.getString("name"), () -> {
          String expectedPrompt = c.getString("prompt");
          if (c.containsKey("messages")) {
            boolean addGenerationPrompt = c.getBoolean("add_generation_prompt", true);
            String prompt = tokenizer.applyChatTemplate(listOfMaps(c, "messages"), listOfMaps(c, "tools"),
                addGenerationPrompt);
            assertThat(prompt).isEqualTo(expectedPrompt);
            assertThat(tokenizer.encodeChat(listOfMaps(c, "messages"), listOfMaps(c, "tools"), addGenerationPrompt))
                .containsExactly(ids(c));
          }
          assertThat(tokenizer.encode(expectedPrompt)).containsExactly(ids(c));
          // The tokenizer's normalizer is NFC, so decoding gives back the NFC form of the prompt.
          assertThat(tokenizer.decode(ids(c))).isEqualTo(Normalizer.normalize(expectedPrompt, Normalizer.Form.NFC));
        }));
  }
}

package io.kvroute.common.tokenizer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

/**
 * ChatTemplate keeps a parsed tree and a global-context copy per thread: renders that reuse them, interleaved
 * with failing renders and spread over threads, must still give the golden prompts and the same errors.
 */
class ChatTemplateReuseTest {

  @Test
  void shouldRenderGoldenPromptsRepeatedlyOnSeveralThreads() throws Exception {
    ModelTokenizer tokenizer = ModelTokenizer.loadBundled();
    List<JsonObject> cases = new ArrayList<>();
    for (String resource : List.of("/tokenizer/qwen2_5_chat_template.json", "/tokenizer/qwen2_5_extra_cases.json")) {
      JsonArray all = ChatTemplateGoldenTest.loadCases(resource);
      for (Object o : all) {
        if (((JsonObject) o).containsKey("messages")) {
          cases.add((JsonObject) o);
        }
      }
    }
    assertThat(cases).isNotEmpty();
    ExecutorService pool = Executors.newFixedThreadPool(3);
    try {
      List<Future<Integer>> done = new ArrayList<>();
      for (int t = 0; t < 3; t++) {
        int offset = t;
        done.add(pool.submit(() -> {
          int checked = 0;
          for (int round = 0; round < 3; round++) {
            for (int i = 0; i < cases.size(); i++) {
              JsonObject c = cases.get((i + offset * 7) % cases.size());
              String prompt = tokenizer.applyChatTemplate(ChatTemplateGoldenTest.listOfMaps(c, "messages"),
                  ChatTemplateGoldenTest.listOfMaps(c, "tools"), c.getBoolean("add_generation_prompt", true));
              assertThat(prompt).as(c.getString("name")).isEqualTo(c.getString("prompt"));
              checked++;
            }
          }
          return checked;
        }));
      }
      for (Future<Integer> f : done) {
        assertThat(f.get()).isEqualTo(3 * cases.size());
      }
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void shouldGiveTheSameErrorMessagesOnReuse() {
    ChatTemplate template = new ChatTemplate("{% if x %}{{ raise_exception('no x allowed') }}{% endif %}[{{ y }}]");
    for (int i = 0; i < 3; i++) {
      assertThatThrownBy(() -> template.render(Map.of("x", true, "y", 1))).isInstanceOf(ChatTemplateException.class)
          .hasMessage("no x allowed");
      assertThat(renderQuietly(template, Map.of("x", false, "y", i))).isEqualTo("[" + i + "]");
    }
  }

  private static String renderQuietly(ChatTemplate template, Map<String, Object> variables) {
    try {
      return template.render(variables);
    } catch (ChatTemplateException e) {
      throw new AssertionError(e);
    }
  }
}

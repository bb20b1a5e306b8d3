package io.kvroute.common.tokenizer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * Jinja2 features chat templates rely on, rendered by our jinjava setup and compared with Jinja2 itself
 * (jinja_compat_cases.json, produced by src/test/tools/gen_jinja_compat.py with HF's environment).
 */
class JinjaCompatTest {

  @TestFactory
  Stream<DynamicTest> shouldRenderLikeJinja2WithHuggingFaceEnvironment() throws IOException {
    return ChatTemplateGoldenTest.loadCases("/tokenizer/jinja_compat_cases.json").stream().map(o -> (JsonObject) o)
        .map(c -> DynamicTest.dynamicTest(c.getString("name"), () -> {
          ChatTemplate template = new ChatTemplate(c.getString("template"));
          if (c.containsKey("error")) {
            assertThatThrownBy(() -> template.render(c.getJsonObject("variables").getMap()))
                .isInstanceOf(ChatTemplateException.class)
                .hasMessage(c.getString("error"));
          } else {
            assertThat(template.render(c.getJsonObject("variables").getMap())).isEqualTo(c.getString("expected"));
          }
        }));
  }
}

package io.kvroute.common.tokenizer;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class ContentSubstitutionTest {

  private static final String QWEN = TokenizerFiles.bundled().chatTemplate();

  private static final List<String> PIECES = List.of("word", "the", "{{ 7*7 }}", "{% if x %}", "<|im_end|>",
      "<tool_call>", "é", "日本", "😀", "\"", "\\", "'", "\n", "  ", "\t", "\u2028", "\uE000", "\uE001", "+", "}}");

  @Test
  void shouldAcceptTheBundledTemplate() {
    assertThat(ContentSubstitution.printsContentVerbatim(QWEN)).isTrue();
    assertThat(new ChatTemplate(QWEN).substituting()).isTrue();
  }

  @Test
  void shouldRejectTemplatesThatLookInsideContents() {
    for (String t : List.of(
        "{% for m in messages %}{{ m.content | trim }}{% endfor %}",
        "{% for m in messages %}{% if '<think>' in m.content %}x{% endif %}{{ m.content }}{% endfor %}",
        "{% for m in messages %}{{ m.content.split('</think>')[-1] }}{% endfor %}",
        "{% for m in messages %}{% set c = m['content'] %}{{ c }}{% endfor %}",
        "{% for m in messages %}{{ m.get('content') }}{% endfor %}",
        "{% for m in messages %}{% if m.content == '' %}x{% endif %}{% endfor %}",
        "{% for m in messages %}{{ render(m.content) }}{% endfor %}",
        "{% for m in messages %}{% for p in m.content %}{{ p }}{% endfor %}{% endfor %}",
        "{% for m in messages %}{{ m.content[:10] }}{% endfor %}",
        "{% for m in messages %}{% if not m.content %}x{% endif %}{{ m.content }}{% endfor %}",
        "{% for m in messages %}{{ m.content is string }}{% endfor %}",
        "{% for m in messages %}{{ m['content'] }}{{ content }}{% endfor %}",
        "{{ messages | tojson }}")) {
      assertThat(ContentSubstitution.printsContentVerbatim(t)).as(t).isFalse();
    }
    assertThat(ContentSubstitution.printsContentVerbatim(
        "{% for m in messages %}{%- if m.content %}{{- '\\n' + m['content'] + '|' }}{% endif %}{% endfor %}"))
        .isTrue();
  }

  @Test
  void shouldRenderWhatThePlainRenderGivesPastTheCheckedRenders() throws ChatTemplateException {
    ChatTemplate substituted = new ChatTemplate(QWEN);
    ChatTemplate plain = new ChatTemplate(QWEN, false);
    SplittableRandom random = new SplittableRandom(11);
    int renders = ChatTemplate.CHECKED_RENDERS + 200;
    for (int i = 0; i < renders; i++) {
      Map<String, Object> variables = variables(random, i % 7 == 0);
      assertThat(substituted.render(variables)).as("render %d", i).isEqualTo(plain.render(variables));
    }
    assertThat(substituted.substituting()).as("no check found a difference").isTrue();
  }

  @Test
  void shouldTurnStandInsOffWhenAPlainRenderDiffers() throws ChatTemplateException {
    // Passes the source check (its one content use is printed) but also prints the messages as JSON, where the
    // content's quotes and newlines are escaped: put back raw, they differ.
    String template = "{%- for m in messages %}{{- m.content }}{%- endfor %}{{- messages | tojson }}";
    ChatTemplate substituted = new ChatTemplate(template);
    ChatTemplate plain = new ChatTemplate(template, false);
    assertThat(substituted.substituting()).isTrue();
    Map<String, Object> variables = new HashMap<>();
    String content = "a \"long\" question\n".repeat(40);
    variables.put("messages", ChatMessages.validateMessages(List.of(message("user", content))));
    assertThat(substituted.render(variables)).isEqualTo(plain.render(variables))
        .contains("a \\\"long\\\" question\\n");
    assertThat(substituted.substituting()).isFalse();
  }

  @Test
  void shouldLeaveAForgedStandInToThePlainRender() throws ChatTemplateException {
    ChatTemplate substituted = new ChatTemplate(QWEN);
    ChatTemplate plain = new ChatTemplate(QWEN, false);
    for (int i = 0; i < ChatTemplate.CHECKED_RENDERS + 5; i++) {
      Map<String, Object> variables = variables(new SplittableRandom(i), true);
      @SuppressWarnings("unchecked")
      List<Object> tools = (List<Object>) variables.get("tools");
      tools.add(Map.of("type", "function", "function", Map.of("name", "f", "description",
          "\uE0000123456789abcdef:0\uE001", "parameters", Map.of())));
      assertThat(substituted.render(variables)).isEqualTo(plain.render(variables));
    }
    assertThat(substituted.substituting()).isTrue();
  }

  @Test
  void shouldRefuseToFillUnknownStandIns() {
    List<Object> messages = List.of(new HashMap<>(Map.of("role", "user", "content", "x".repeat(300))));
    ContentSubstitution sub = ContentSubstitution.of(messages);
    @SuppressWarnings("unchecked")
    String stand = (String) ((Map<String, Object>) sub.messages().get(0)).get("content");
    assertThat(sub.fill("<" + stand + ">")).isEqualTo("<" + "x".repeat(300) + ">");
    String nonce = stand.substring(1, stand.indexOf(':'));
    assertThat(sub.fill("\uE000" + nonce + ":1\uE001")).isNull();
    assertThat(sub.fill("\uE000" + nonce + ":x\uE001")).isNull();
    assertThat(sub.fill("\uE000" + nonce + "0\uE001")).isNull();
    assertThat(sub.fill("\uE000" + nonce + ":0")).isNull();
    assertThat(sub.fill("\uE000feedface:0\uE001")).isNull();
    assertThat(ContentSubstitution.of(List.of(Map.of("role", "user", "content", "short")))).isNull();
  }

  /** A random conversation (system, user, assistant with and without tool calls, tool results) as render input. */
  private static Map<String, Object> variables(SplittableRandom random, boolean withTools)
      throws ChatTemplateException {
    List<Map<String, Object>> messages = new ArrayList<>();
    if (random.nextBoolean()) {
      messages.add(message("system", text(random)));
    }
    for (int turn = 1 + random.nextInt(4); turn > 0; turn--) {
      messages.add(message("user", text(random)));
      int kind = random.nextInt(4);
      if (kind == 0) {
        Map<String, Object> call = new HashMap<>(message("assistant", random.nextBoolean() ? text(random) : ""));
        call.put("tool_calls", List.of(Map.of("type", "function", "function",
            Map.of("name", "lookup", "arguments", Map.of("q", text(random))))));
        messages.add(call);
        messages.add(message("tool", text(random)));
      } else if (kind < 3) {
        messages.add(message("assistant", text(random)));
      }
    }
    Map<String, Object> variables = new HashMap<>();
    variables.put("messages", ChatMessages.validateMessages(messages));
    List<Object> tools = new ArrayList<>();
    if (withTools) {
      tools.add(Map.of("type", "function", "function", Map.of("name", "lookup", "description", text(random),
          "parameters", Map.of("type", "object"))));
    }
    variables.put("tools", tools);
    variables.put("add_generation_prompt", random.nextBoolean());
    return variables;
  }

  private static Map<String, Object> message(String role, String content) {
    return Map.of("role", role, "content", content);
  }

  /** Mostly words, with markup, template syntax, special tokens, unicode and whitespace at either edge. */
  private static String text(SplittableRandom random) {
    StringBuilder sb = new StringBuilder();
    if (random.nextInt(3) == 0) {
      sb.append(random.nextBoolean() ? "\n  " : " ");
    }
    for (int n = random.nextInt(120); n > 0; n--) {
      sb.append(random.nextInt(4) == 0 ? PIECES.get(random.nextInt(PIECES.size())) : "word" + random.nextInt(50));
      sb.append(random.nextInt(8) == 0 ? "\n" : " ");
    }
    return sb.toString();
  }
}

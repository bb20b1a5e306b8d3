package io.kvroute.common.tokenizer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ChatTemplateErrorsTest {

  private final ModelTokenizer tokenizer = ModelTokenizer.loadBundled();

  private static Map<String, Object> message(Object... kv) {
    Map<String, Object> m = new LinkedHashMap<>();
    for (int i = 0; i < kv.length; i += 2) {
      m.put((String) kv[i], kv[i + 1]);
    }
    return m;
  }

  private void assertRejected(List<Map<String, Object>> messages, String messagePart) {
    assertThatThrownBy(() -> tokenizer.applyChatTemplate(messages, null, true))
        .isInstanceOf(ChatTemplateException.class)
        .hasMessageContaining(messagePart);
  }

  @Test
  void shouldRejectEmptyConversation() {
    assertRejected(List.of(), "messages must be a non-empty array");
    assertRejected(null, "messages must be a non-empty array");
  }

  @Test
  void shouldRejectMessageWithoutRole() {
    assertRejected(List.of(message("content", "hi")), "messages[0].role is required");
    assertRejected(List.of(message("role", "user", "content", "a"), message("role", 7, "content", "b")),
        "messages[1].role");
  }

  @Test
  void shouldRejectNonStringOrMissingContent() {
    assertRejected(List.of(message("role", "user", "content", List.of(Map.of("type", "text", "text", "hi")))),
        "messages[0].content must be a string");
    assertRejected(List.of(message("role", "user")), "messages[0].content is required for role 'user'");
    assertRejected(List.of(message("role", "assistant", "content", null)), "content is required");
  }

  @Test
  void shouldRejectMalformedToolCalls() {
    assertRejected(List.of(message("role", "assistant", "tool_calls", "get_weather")), "tool_calls must be an array");
    assertRejected(List.of(message("role", "assistant", "tool_calls", List.of(Map.of("function", Map.of())))),
        "messages[0].tool_calls[0].function.name is required");
  }

  @Test
  void shouldRejectMalformedTools() {
    List<Map<String, Object>> tools = new ArrayList<>();
    tools.add(null);
    assertThatThrownBy(() -> tokenizer.applyChatTemplate(List.of(message("role", "user", "content", "x")), tools,
        true)).isInstanceOf(ChatTemplateException.class).hasMessage("tools[0] must be an object");
  }

  @Test
  void shouldAcceptVertxJsonAndLeaveCallerMapsUntouched() throws Exception {
    JsonArray messages = new JsonArray()
        .add(new JsonObject().put("role", "user").put("content", "Weather?"))
        .add(new JsonObject().put("role", "assistant").putNull("content").put("tool_calls", new JsonArray().add(
            new JsonObject().put("type", "function").put("function",
                new JsonObject().put("name", "get_weather").put("arguments",
                    new JsonObject().put("z", 1).put("a", 2.0))))));
    @SuppressWarnings("unchecked")
    List<Map<String, Object>> list = (List<Map<String, Object>>) (List<?>) messages.getList();
    String before = messages.encode();
    String prompt = tokenizer.applyChatTemplate(list, null, false);
    assertThat(prompt).endsWith("<|im_start|>assistant\n<tool_call>\n"
        + "{\"name\": \"get_weather\", \"arguments\": {\"z\": 1, \"a\": 2.0}}\n</tool_call><|im_end|>\n");
    assertThat(messages.encode()).isEqualTo(before);
  }

  @Test
  void shouldSurfaceRaiseExceptionMessage() throws Exception {
    ChatTemplate strict = new ChatTemplate("{% for m in messages %}"
        + "{% if m.role not in ['user', 'assistant'] %}{{ raise_exception('Only user and assistant roles are"
        + " supported, got ' + m.role) }}{% endif %}{{ m.content }}{% endfor %}");
    assertThat(strict.render(Map.of("messages", List.of(message("role", "user", "content", "ok"))))).isEqualTo("ok");
    assertThatThrownBy(() -> strict.render(Map.of("messages", List.of(message("role", "system", "content", "x")))))
        .isInstanceOf(ChatTemplateException.class)
        .hasMessage("Only user and assistant roles are supported, got system");
  }

  @Test
  void shouldReportTemplateErrors() {
    ChatTemplate unclosed = new ChatTemplate("{% for m in messages %}{{ m.content }}");
    assertThatThrownBy(() -> unclosed.render(Map.of("messages", List.of(message("role", "user", "content", "x")))))
        .isInstanceOf(ChatTemplateException.class)
        .hasMessageStartingWith("chat template failed");
    ChatTemplate badCall = new ChatTemplate("{{ messages[0].content.nosuchmethod() }}");
    assertThatThrownBy(() -> badCall.render(Map.of("messages", List.of(message("role", "user", "content", "x")))))
        .isInstanceOf(ChatTemplateException.class)
        .hasMessageContaining("nosuchmethod");
  }

  @Test
  void shouldReportModelWithoutChatTemplate(@TempDir Path dir) throws Exception {
    ModelTokenizerTest.writeBundledTo(dir);
    Files.writeString(dir.resolve("tokenizer_config.json"), new JsonObject(new HashMap<>(Map.of(
        "eos_token", "<|endoftext|>"))).encode());
    ModelTokenizer plain = ModelTokenizer.load(dir);
    assertThat(plain.eosTokenId()).isEqualTo(151643);
    assertThatThrownBy(() -> plain.encodeChat(List.of(message("role", "user", "content", "x")), null, true))
        .isInstanceOf(ChatTemplateException.class)
        .hasMessageContaining("has no chat template");
  }
}

package io.kvroute.gateway.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class RequestParserTest {

  private static final String MODEL = "Qwen/Qwen2.5-0.5B-Instruct";
  private final RequestParser parser = new RequestParser(MODEL);

  private static JsonObject chat(String extra) {
    return new JsonObject("{\"model\":\"" + MODEL + "\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]"
        + (extra.isEmpty() ? "" : "," + extra) + "}");
  }

  @Test
  void shouldParseAMinimalChatWithDefaults() {
    GenerationRequest r = parser.chat(chat(""));
    assertThat(r.endpoint()).isEqualTo(Endpoint.CHAT);
    assertThat(r.messages()).containsExactly(Map.of("role", "user", "content", "hi"));
    assertThat(r.stream()).isFalse();
    assertThat(r.maxTokensExplicit()).isFalse();
    assertThat(r.sampling().temperature()).isNull();
  }

  @Test
  void shouldParseEverySupportedParameter() {
    GenerationRequest r = parser.chat(chat("\"stream\":true,\"stream_options\":{\"include_usage\":true},"
        + "\"max_completion_tokens\":12,\"max_tokens\":99,\"temperature\":0.5,\"top_p\":0.9,\"stop\":[\"a\",\"b\"],"
        + "\"seed\":7,\"ignore_eos\":true,\"min_tokens\":3,\"user\":\"u1\",\"n\":1,\"frequency_penalty\":0"));
    assertThat(r.stream()).isTrue();
    assertThat(r.includeUsage()).isTrue();
    assertThat(r.maxTokensExplicit()).isTrue();
    assertThat(r.sampling().maxTokens()).isEqualTo(12);
    assertThat(r.sampling().temperature()).isEqualTo(0.5);
    assertThat(r.sampling().topP()).isEqualTo(0.9);
    assertThat(r.sampling().stop()).containsExactly("a", "b");
    assertThat(r.sampling().seed()).isEqualTo(7L);
    assertThat(r.sampling().ignoreEos()).isTrue();
    assertThat(r.sampling().minTokens()).isEqualTo(3);
    assertThat(r.user()).isEqualTo("u1");
  }

  @Test
  void shouldFlattenTextPartsAndMapDeveloperToSystem() {
    GenerationRequest r = parser.chat(new JsonObject("{\"messages\":[{\"role\":\"developer\",\"content\":\"be brief\"},"
        + "{\"role\":\"user\",\"content\":[{\"type\":\"text\",\"text\":\"a\"},{\"type\":\"text\",\"text\":\"b\"}]}]}"));
    assertThat(r.messages().get(0)).containsEntry("role", "system");
    assertThat(r.messages().get(1)).containsEntry("content", "a\nb");
  }

  @Test
  @SuppressWarnings("unchecked")
  void shouldDecodeToolCallArgumentsBeforeTemplating() {
    GenerationRequest r = parser.chat(new JsonObject("{\"messages\":[{\"role\":\"user\",\"content\":\"w?\"},"
        + "{\"role\":\"assistant\",\"content\":null,\"tool_calls\":[{\"id\":\"c1\",\"type\":\"function\","
        + "\"function\":{\"name\":\"get_weather\",\"arguments\":\"{\\\"city\\\": \\\"Paris\\\"}\"}}]}]}"));
    Map<String, Object> call = ((java.util.List<Map<String, Object>>) r.messages().get(1).get("tool_calls")).get(0);
    assertThat((Map<String, Object>) call.get("function")).containsEntry("arguments", Map.of("city", "Paris"));
  }

  @Test
  void shouldRejectToolCallArgumentsThatAreNotJson() {
    JsonObject body = new JsonObject("{\"messages\":[{\"role\":\"assistant\",\"content\":null,\"tool_calls\":"
        + "[{\"id\":\"c1\",\"type\":\"function\",\"function\":{\"name\":\"f\",\"arguments\":\"{oops\"}}]}]}");
    assertThatThrownBy(() -> parser.chat(body)).isInstanceOf(ApiError.class)
        .hasMessageContaining("tool call arguments");
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(delimiter = '|', quoteCharacter = '`', value = {
      "empty messages|{\"messages\":[]}|messages",
      "messages not array|{\"messages\":\"hi\"}|messages",
      "missing messages|{}|messages",
      "message not object|{\"messages\":[1]}|messages[0]",
      "unknown role|{\"messages\":[{\"role\":\"wizard\",\"content\":\"x\"}]}|messages[0].role",
      "role not string|{\"messages\":[{\"role\":3,\"content\":\"x\"}]}|messages[0].role",
      "missing content|{\"messages\":[{\"role\":\"user\"}]}|messages[0].content",
      "content number|{\"messages\":[{\"role\":\"user\",\"content\":5}]}|messages[0].content",
      "image part|{\"messages\":[{\"role\":\"user\",\"content\":[{\"type\":\"image_url\"}]}]}|messages[0].content[0]",
      "n>1|{\"messages\":[{\"role\":\"user\",\"content\":\"x\"}],\"n\":2}|n",
      "n string|{\"messages\":[{\"role\":\"user\",\"content\":\"x\"}],\"n\":\"1\"}|n",
      "max_tokens 0|{\"messages\":[{\"role\":\"user\",\"content\":\"x\"}],\"max_tokens\":0}|max_tokens",
      "max_tokens fraction|{\"messages\":[{\"role\":\"user\",\"content\":\"x\"}],\"max_tokens\":1.5}|max_tokens",
      "temperature string|{\"messages\":[{\"role\":\"user\",\"content\":\"x\"}],\"temperature\":\"hot\"}|temperature",
      "temperature range|{\"messages\":[{\"role\":\"user\",\"content\":\"x\"}],\"temperature\":3}|temperature",
      "top_p zero|{\"messages\":[{\"role\":\"user\",\"content\":\"x\"}],\"top_p\":0}|top_p",
      "stream string|{\"messages\":[{\"role\":\"user\",\"content\":\"x\"}],\"stream\":\"yes\"}|stream",
      "stream_options no stream|{\"messages\":[{\"role\":\"user\",\"content\":\"x\"}],\"stream_options\":{}}|stream_options",
      "stop number|{\"messages\":[{\"role\":\"user\",\"content\":\"x\"}],\"stop\":4}|stop",
      "seed float|{\"messages\":[{\"role\":\"user\",\"content\":\"x\"}],\"seed\":0.5}|seed",
      "ignore_eos string|{\"messages\":[{\"role\":\"user\",\"content\":\"x\"}],\"ignore_eos\":\"true\"}|ignore_eos",
      "min>max|{\"messages\":[{\"role\":\"user\",\"content\":\"x\"}],\"max_tokens\":2,\"min_tokens\":3}|min_tokens",
      "user number|{\"messages\":[{\"role\":\"user\",\"content\":\"x\"}],\"user\":1}|user",
      "model number|{\"model\":1,\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}|model",
  })
  void shouldRejectBadChatRequestsWith400NamingTheParam(String name, String body, String param) {
    assertThatThrownBy(() -> parser.chat(new JsonObject(body)))
        .isInstanceOfSatisfying(ApiError.class, e -> {
          assertThat(e.status()).isEqualTo(400);
          assertThat(e.type()).isEqualTo("invalid_request_error");
          assertThat(e.param()).isEqualTo(param);
        });
  }

  @Test
  void shouldAnswer404ForAnotherModel() {
    assertThatThrownBy(() -> parser.chat(new JsonObject("{\"model\":\"gpt-4\",\"messages\":[{\"role\":\"user\","
        + "\"content\":\"x\"}]}")))
        .isInstanceOfSatisfying(ApiError.class, e -> assertThat(e.code()).isEqualTo("model_not_found"));
  }

  @Test
  void shouldAcceptEveryCompletionPromptForm() {
    assertThat(parser.completion(new JsonObject("{\"prompt\":\"hello\"}")).promptText()).isEqualTo("hello");
    assertThat(parser.completion(new JsonObject("{\"prompt\":[\"hello\"]}")).promptText()).isEqualTo("hello");
    assertThat(parser.completion(new JsonObject("{\"prompt\":[1,2,3]}")).promptTokens()).containsExactly(1, 2, 3);
    assertThat(parser.completion(new JsonObject("{\"prompt\":[[4,5]]}")).promptTokens()).containsExactly(4, 5);
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(delimiter = '|', quoteCharacter = '`', value = {
      "missing|{}",
      "number|{\"prompt\":5}",
      "empty string|{\"prompt\":\"\"}",
      "empty array|{\"prompt\":[]}",
      "two prompts|{\"prompt\":[\"a\",\"b\"]}",
      "negative token|{\"prompt\":[1,-2]}",
      "mixed|{\"prompt\":[1,\"a\"]}",
      "huge token|{\"prompt\":[99999999999]}",
      "echo|{\"prompt\":\"a\",\"echo\":true}",
  })
  void shouldRejectBadPrompts(String name, String body) {
    assertThatThrownBy(() -> parser.completion(new JsonObject(body)))
        .isInstanceOfSatisfying(ApiError.class, e -> assertThat(e.status()).isEqualTo(400));
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(delimiter = '|', quoteCharacter = '`', value = {
      "not json|{\"messages\":",
      "array|[1,2]",
      "string|\"hello\"",
      "number|42",
  })
  void shouldRejectBodiesThatAreNotJsonObjects(String name, String body) {
    assertThatThrownBy(() -> RequestParser.jsonObject(Buffer.buffer(body)))
        .isInstanceOfSatisfying(ApiError.class, e -> assertThat(e.status()).isEqualTo(400));
  }

  @Test
  void shouldAcceptAJsonObjectBody() {
    assertThat(RequestParser.jsonObject(Buffer.buffer("{\"a\":[1]}")).getJsonArray("a")).containsExactly(1);
  }

  @Test
  void shouldRejectAnEmptyBody() {
    assertThatThrownBy(() -> RequestParser.jsonObject(Buffer.buffer()))
        .isInstanceOfSatisfying(ApiError.class, e -> assertThat(e.status()).isEqualTo(400));
  }

  @Test
  void shouldParseTokenizeRequests() {
    TokenizeRequest p = parser.tokenize(new JsonObject("{\"prompt\":\"abc\"}"));
    assertThat(p.prompt()).isEqualTo("abc");
    TokenizeRequest m = parser.tokenize(new JsonObject("{\"messages\":[{\"role\":\"user\",\"content\":\"x\"}],"
        + "\"add_generation_prompt\":false}"));
    assertThat(m.messages()).hasSize(1);
    assertThat(m.addGenerationPrompt()).isFalse();
    assertThatThrownBy(() -> parser.tokenize(new JsonObject("{}"))).isInstanceOf(ApiError.class);
    assertThatThrownBy(() -> parser.tokenize(new JsonObject("{\"prompt\":\"a\",\"messages\":[]}")))
        .isInstanceOf(ApiError.class);
  }

  @Test
  void shouldApplyContextLimits() {
    ContextLimits limits = new ContextLimits(100, 30);
    GenerationRequest implicit = parser.chat(chat(""));
    assertThat(limits.maxTokens(implicit, 10)).isEqualTo(30);
    assertThat(limits.maxTokens(implicit, 90)).isEqualTo(10);
    assertThatThrownBy(() -> limits.maxTokens(implicit, 101))
        .isInstanceOfSatisfying(ApiError.class, e -> assertThat(e.code()).isEqualTo("context_length_exceeded"));
    assertThatThrownBy(() -> limits.maxTokens(implicit, 100))
        .isInstanceOfSatisfying(ApiError.class, e -> assertThat(e.code()).isEqualTo("context_length_exceeded"));
    GenerationRequest explicit = parser.chat(chat("\"max_tokens\":50"));
    assertThat(limits.maxTokens(explicit, 50)).isEqualTo(50);
    assertThatThrownBy(() -> limits.maxTokens(explicit, 51))
        .isInstanceOfSatisfying(ApiError.class, e -> assertThat(e.param()).isEqualTo("max_tokens"));
    GenerationRequest withMin = parser.chat(chat("\"min_tokens\":40"));
    assertThat(limits.maxTokens(withMin, 10)).isEqualTo(40);
  }

  @Test
  void shouldAcceptOnlyConfiguredBearerKeys() {
    ApiKeyAuth auth = new ApiKeyAuth(java.util.Set.of("k1", "k2"));
    assertThat(auth.accepted("Bearer k1")).isTrue();
    assertThat(auth.accepted("bearer k2")).isTrue();
    assertThat(auth.accepted("Bearer k3")).isFalse();
    assertThat(auth.accepted("k1")).isFalse();
    assertThat(auth.accepted(null)).isFalse();
  }
}

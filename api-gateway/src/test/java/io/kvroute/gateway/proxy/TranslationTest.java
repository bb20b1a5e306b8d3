package io.kvroute.gateway.proxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.kvroute.gateway.api.Endpoint;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class TranslationTest {

  private static JsonObject data(String sse) {
    assertThat(sse).startsWith("data: ").endsWith("\n\n");
    return new JsonObject(sse.substring(6, sse.length() - 2));
  }

  @Test
  void shouldRenderChatChunksInOpenAiShape() {
    ChunkFormatter f = new ChunkFormatter(Endpoint.CHAT, "chatcmpl-1", 1700000000L, "m", true);
    JsonObject role = data(f.roleChunk());
    assertThat(role.getString("object")).isEqualTo("chat.completion.chunk");
    assertThat(role.getString("id")).isEqualTo("chatcmpl-1");
    assertThat(role.getLong("created")).isEqualTo(1700000000L);
    assertThat(role.getString("model")).isEqualTo("m");
    assertThat(role.getJsonArray("choices").getJsonObject(0).getJsonObject("delta").getString("role"))
        .isEqualTo("assistant");
    assertThat(role.containsKey("usage")).isTrue();
    assertThat(role.getValue("usage")).isNull();

    JsonObject content = data(f.textChunk("he said \"hi\"\n\u0001é"));
    JsonObject c0 = content.getJsonArray("choices").getJsonObject(0);
    assertThat(c0.getJsonObject("delta").getString("content")).isEqualTo("he said \"hi\"\n\u0001é");
    assertThat(c0.getValue("finish_reason")).isNull();

    JsonObject fin = data(f.finishChunk("length"));
    JsonObject f0 = fin.getJsonArray("choices").getJsonObject(0);
    assertThat(f0.getJsonObject("delta").isEmpty()).isTrue();
    assertThat(f0.getString("finish_reason")).isEqualTo("length");

    JsonObject usage = data(f.usageChunk(new Usage(100, 5, 64)));
    assertThat(usage.getJsonArray("choices")).isEmpty();
    assertThat(usage.getJsonObject("usage").getInteger("total_tokens")).isEqualTo(105);
    assertThat(usage.getJsonObject("usage").getJsonObject("prompt_tokens_details").getInteger("cached_tokens"))
        .isEqualTo(64);
  }

  @Test
  void shouldRenderCompletionChunksAndFullResponses() {
    ChunkFormatter f = new ChunkFormatter(Endpoint.COMPLETION, "cmpl-1", 1L, "m", false);
    JsonObject chunk = data(f.textChunk("abc"));
    assertThat(chunk.getString("object")).isEqualTo("text_completion");
    assertThat(chunk.getJsonArray("choices").getJsonObject(0).getString("text")).isEqualTo("abc");
    assertThat(chunk.containsKey("usage")).isFalse();

    JsonObject full = new JsonObject(f.fullResponse("abc", "stop", new Usage(3, 2, 0)));
    assertThat(full.getString("object")).isEqualTo("text_completion");
    assertThat(full.getJsonArray("choices").getJsonObject(0).getString("text")).isEqualTo("abc");
    assertThat(full.getJsonObject("usage").getInteger("completion_tokens")).isEqualTo(2);

    ChunkFormatter chat = new ChunkFormatter(Endpoint.CHAT, "chatcmpl-2", 1L, "m", false);
    JsonObject msg = new JsonObject(chat.fullResponse("x\ty", "stop", new Usage(3, 2, 1)));
    assertThat(msg.getString("object")).isEqualTo("chat.completion");
    assertThat(msg.getJsonArray("choices").getJsonObject(0).getJsonObject("message").getString("content"))
        .isEqualTo("x\ty");
    assertThat(new JsonObject(ChunkFormatter.errorEvent("boom \"x\"", "server_error", "upstream_error")
        .substring(6)).getJsonObject("error").getString("message")).isEqualTo("boom \"x\"");
  }

  @Test
  void shouldParseUpstreamCompletionChunks() {
    UpstreamChunk c = UpstreamChunk.parse("{\"id\":\"x\",\"object\":\"text_completion\",\"choices\":[{\"index\":0,"
        + "\"text\":\"Hel\",\"finish_reason\":null}]}");
    assertThat(c.text()).isEqualTo("Hel");
    assertThat(c.finishReason()).isNull();
    assertThat(c.usage()).isNull();

    UpstreamChunk u = UpstreamChunk.parse("{\"choices\":[],\"usage\":{\"prompt_tokens\":70,\"completion_tokens\":4,"
        + "\"total_tokens\":74,\"prompt_tokens_details\":{\"cached_tokens\":64}}}");
    assertThat(u.usage()).isEqualTo(new Usage(70, 4, 64));

    UpstreamChunk f = UpstreamChunk.parse("{\"choices\":[{\"text\":\"\",\"finish_reason\":\"length\"}]}");
    assertThat(f.finishReason()).isEqualTo("length");
    assertThat(UpstreamChunk.parse("{\"error\":{\"message\":\"engine died\"}}").error()).isEqualTo("engine died");
    assertThat(UpstreamChunk.parse("{not json").error()).isNotNull();
  }

  @Test
  void shouldParseChunksExactlyLikeTheJsonTree() {
    // the streaming parse must agree with the tree parse on every shape a worker could send
    List<String> cases = List.of(
        "{\"choices\":[{\"index\":0,\"text\":\"a\\u00e9\\n\\\"q\\\"\",\"logprobs\":null,\"finish_reason\":null}]}",
        "{\"choices\":[{\"delta\":{\"role\":\"assistant\",\"content\":\"hi\"},\"finish_reason\":\"stop\"}]}",
        "{\"choices\":[{\"text\":null,\"delta\":{\"content\":\"d\"}}]}",
        "{\"choices\":[{\"text\":5,\"delta\":{\"content\":\"d\"}}]}",
        "{\"choices\":[{\"delta\":{\"content\":7}}]}",
        "{\"choices\":[{\"delta\":[1],\"finish_reason\":3}]}",
        "{\"choices\":[{\"text\":\"x\"},{\"text\":\"second\"}],\"usage\":null}",
        "{\"choices\":[7,{\"text\":\"x\"}]}",
        "{\"choices\":{\"text\":\"x\"}}",
        "{\"choices\":[{\"text\":\"a\"}],\"choices\":[]}",
        "{\"choices\":[],\"usage\":{\"prompt_tokens\":70,\"completion_tokens\":4.9,\"prompt_tokens_details\":"
            + "{\"cached_tokens\":64}}}",
        "{\"usage\":{\"prompt_tokens\":\"70\",\"prompt_tokens_details\":null}}",
        "{\"usage\":{\"prompt_tokens_details\":{\"cached_tokens\":\"x\"},\"completion_tokens\":[1,2]}}",
        "{\"usage\":[1]}",
        "{\"id\":{\"nested\":[1,{\"a\":[]}]},\"choices\":[{\"text\":\"t\",\"extra\":{\"k\":[{}]}}]}",
        "{\"error\":null,\"choices\":[{\"text\":\"ok\"}]}",
        "{\"error\":{\"message\":\"engine died\"}}",
        "{\"error\":{\"code\":1}}",
        "{\"error\":\"plain\"}",
        "{\"error\":{\"message\":\"x\"},\"error\":null,\"choices\":[{\"text\":\"z\"}]}",
        "{}", "[]", "\"s\"", "{not json", "{\"choices\":[{\"text\":\"a\"}]", "{\"a\":1} {\"b\":2}", "");
    for (String c : cases) {
      assertThat(UpstreamChunk.parse(c)).as(c).isEqualTo(UpstreamChunk.parseTree(c));
    }
  }

  @Test
  void shouldParseSseAcrossArbitraryChunkBoundaries() throws Exception {
    String stream = "data: {\"a\":1}\n\n: comment\r\ndata: {\"b\":\"é\"}\r\n\r\nevent: error\ndata: x\ndata: y\n\n"
        + "data: [DONE]\n\n";
    byte[] bytes = stream.getBytes(java.nio.charset.StandardCharsets.UTF_8);
    for (int split = 1; split < bytes.length; split++) {
      List<String> events = new ArrayList<>();
      SseParser p = new SseParser((e, d) -> events.add((e == null ? "" : e + ":") + d), 1024);
      p.push(Buffer.buffer(java.util.Arrays.copyOfRange(bytes, 0, split)));
      p.push(Buffer.buffer(java.util.Arrays.copyOfRange(bytes, split, bytes.length)));
      p.end();
      assertThat(events).as("split at %d", split)
          .containsExactly("{\"a\":1}", "{\"b\":\"é\"}", "error:x\ny", "[DONE]");
    }
  }

  @Test
  void shouldDispatchAFinalEventWithoutBlankLineAndBoundEventSize() throws Exception {
    List<String> events = new ArrayList<>();
    SseParser p = new SseParser((e, d) -> events.add(d), 64);
    p.push(Buffer.buffer("data: last"));
    p.end();
    assertThat(events).containsExactly("last");
    SseParser small = new SseParser((e, d) -> { }, 64);
    assertThatThrownBy(() -> small.push(Buffer.buffer("data: " + "x".repeat(100))))
        .isInstanceOf(SseParser.SseException.class);
  }
}

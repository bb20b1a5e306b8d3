package io.kvroute.agent.sim;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class TokenChunkTemplateTest {

  private static final List<String> PIECES = List.of("Hello", " world", "\"", "\\", "\n", "\t\r\b\f", "\u0000\u001f",
      "é", "日本語", "😀", "</script>", "a\"b\\c", "\u2028\u2029", "kvroute-token-piece", "\"kvroute-token-piece\"");

  @Test
  void shouldWriteTheBytesOfEncodingTheChunkPerTokenForChatAndCompletions() {
    for (boolean chat : new boolean[] {true, false}) {
      TokenChunkTemplate template = new TokenChunkTemplate(line(chat, TokenChunkTemplate.PIECE));
      for (String piece : PIECES) {
        assertThat(template.line(piece).toString(StandardCharsets.UTF_8)).isEqualTo(line(chat, piece));
      }
    }
  }

  @Test
  void shouldMatchTheEncoderOnRandomText() {
    SplittableRandom random = new SplittableRandom(7);
    TokenChunkTemplate template = new TokenChunkTemplate(line(true, TokenChunkTemplate.PIECE));
    for (int i = 0; i < 2_000; i++) {
      StringBuilder piece = new StringBuilder();
      for (int n = random.nextInt(6); n > 0; n--) {
        piece.appendCodePoint(random.nextInt(4) == 0 ? random.nextInt(0x80) : random.nextInt(0x20, 0x3000));
      }
      assertThat(template.line(piece.toString()).toString(StandardCharsets.UTF_8))
          .isEqualTo(line(true, piece.toString()));
    }
  }

  @Test
  void shouldRefuseALineWithoutThePiece() {
    assertThatThrownBy(() -> new TokenChunkTemplate("data: {}\n\n")).isInstanceOf(IllegalArgumentException.class);
  }

  /** A chunk as the simulated engine's stream writes it. */
  private static String line(boolean chat, String piece) {
    JsonObject choice = new JsonObject().put("index", 0);
    if (chat) {
      choice.put("delta", new JsonObject().put("content", piece));
    } else {
      choice.put("text", piece);
    }
    choice.putNull("logprobs").putNull("finish_reason");
    JsonObject chunk = new JsonObject().put("id", "chatcmpl-kvroute-token-piece\"")
        .put("object", chat ? "chat.completion.chunk" : "text_completion").put("created", 1_700_000_000L)
        .put("model", "Qwen/Qwen2.5-0.5B-Instruct").put("choices", new JsonArray().add(choice));
    return "data: " + chunk.encode() + "\n\n";
  }
}

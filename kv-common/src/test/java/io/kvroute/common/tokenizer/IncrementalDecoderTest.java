package io.kvroute.common.tokenizer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class IncrementalDecoderTest {

  private final ModelTokenizer tokenizer = ModelTokenizer.loadBundled();

  private List<String> stream(IncrementalDecoder decoder, int[] ids) {
    List<String> deltas = new ArrayList<>();
    for (int id : ids) {
      deltas.add(decoder.push(id));
    }
    deltas.add(decoder.flush());
    return deltas;
  }

  @Test
  void shouldStreamTextThatConcatenatesToTheFullDecode() {
    String text = "Streaming 你好世界 with emoji 🚀🔥 and 🇫🇷👨‍👩‍👧‍👦, Привет, 𝔘𝔫𝔦𝔠𝔬𝔡𝔢 — done.";
    int[] ids = tokenizer.encode(text);
    List<String> deltas = stream(tokenizer.newIncrementalDecoder(), ids);
    assertThat(String.join("", deltas)).isEqualTo(text);
    assertThat(deltas).noneMatch(d -> d.indexOf('\uFFFD') >= 0);
  }

  @Test
  void shouldHoldBackTokensThatEndInsideACharacter() {
    int[] ids = tokenizer.encode("🫠"); // U+1FAE0, 4 UTF-8 bytes in 3 byte-level tokens
    assertThat(ids.length).as("the emoji spans several byte-level tokens").isGreaterThan(1);
    IncrementalDecoder decoder = tokenizer.newIncrementalDecoder();
    for (int i = 0; i < ids.length - 1; i++) {
      assertThat(decoder.push(ids[i])).isEmpty();
    }
    assertThat(decoder.push(ids[ids.length - 1])).isEqualTo("🫠");
    assertThat(decoder.flush()).isEmpty();
    assertThat(decoder.tokenCount()).isEqualTo(ids.length);
  }

  @Test
  void shouldFlushAnIncompleteCharacterAsReplacement() {
    int[] ids = tokenizer.encode("🫠");
    IncrementalDecoder decoder = tokenizer.newIncrementalDecoder();
    assertThat(decoder.push(ids[0])).isEmpty();
    assertThat(decoder.flush()).isEqualTo(tokenizer.decode(new int[] {ids[0]})).contains("\uFFFD");
  }

  @Test
  void shouldSkipSpecialTokensByDefaultAndKeepThemWhenAsked() {
    int[] ids = tokenizer.encode("Hi there!<|im_end|>");
    assertThat(String.join("", stream(tokenizer.newIncrementalDecoder(), ids))).isEqualTo("Hi there!");
    assertThat(String.join("", stream(tokenizer.newIncrementalDecoder(false), ids)))
        .isEqualTo("Hi there!<|im_end|>");
  }

  @Test
  void shouldStreamLongGenerationsExactly() {
    StringBuilder text = new StringBuilder();
    for (int i = 0; i < 400; i++) {
      text.append("token ").append(i).append(" 数据 ").append(i % 3 == 0 ? "🙂 " : "").append('\n');
    }
    int[] ids = tokenizer.encode(text.toString());
    List<String> deltas = stream(tokenizer.newIncrementalDecoder(), ids);
    assertThat(String.join("", deltas)).isEqualTo(text.toString());
  }

  @Test
  void shouldRejectUnknownIdWithoutCorruptingState() {
    IncrementalDecoder decoder = tokenizer.newIncrementalDecoder();
    assertThat(decoder.push(tokenizer.encode("Hi")[0])).isEqualTo("Hi");
    assertThatThrownBy(() -> decoder.push(-5)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> decoder.push(tokenizer.vocabSize())).isInstanceOf(IllegalArgumentException.class);
    assertThat(decoder.push(tokenizer.encode(" you")[0])).isEqualTo(" you");
    assertThat(decoder.tokenCount()).isEqualTo(2);
  }
}

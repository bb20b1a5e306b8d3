package io.kvroute.common.tokenizer;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class TokenizerFilesTest {

  private static int vocabSize(String json) {
    return TokenizerFiles.vocabSize(json.getBytes(StandardCharsets.UTF_8));
  }

  @Test
  void shouldSizeBpeVocabulariesFromTheirLargestId() {
    assertThat(vocabSize("""
        {"added_tokens": [{"id": 5, "content": "<s>"}],
         "model": {"type": "BPE", "vocab": {"a": 0, "b": 3, "c": 1}, "merges": []}}""")).isEqualTo(6);
    assertThat(vocabSize("""
        {"added_tokens": [{"id": 2, "content": "<s>"}], "model": {"vocab": {"a": 0, "b": 7}}}""")).isEqualTo(8);
  }

  @Test
  void shouldSizeUnigramVocabulariesByPositionWhateverTheFieldOrder() {
    // HuggingFace writes added_tokens before model: the vocabulary's ids are its positions 0..n-1, not counted on
    // from the added tokens' ids.
    assertThat(vocabSize("""
        {"added_tokens": [{"id": 1, "content": "<s>"}],
         "model": {"type": "Unigram", "vocab": [["<unk>", 0.0], ["<s>", 0.0], ["a", -1.5], ["b", -2.5]]}}"""))
        .isEqualTo(4);
    assertThat(vocabSize("""
        {"model": {"vocab": [["<unk>", 0.0], ["a", -1.5]]}, "added_tokens": [{"id": 9, "content": "<x>"}]}"""))
        .isEqualTo(10);
  }
}

package io.kvroute.common.tokenizer;

import java.util.Arrays;

/**
 * Turns a stream of generated token ids into text deltas, never emitting half a UTF-8 character.
 *
 * <p>Byte-level BPE tokens can end inside a multi-byte character, so decoding token by token would emit U+FFFD.
 * This is the prefix-offset technique of HF TGI and vLLM: keep the ids; decode the window
 * {@code [prefixOffset, readOffset)} (text already emitted) and {@code [prefixOffset, size)}; emit the difference
 * only when it grew and does not end in U+FFFD, then slide the window. Not thread-safe: one decoder per sequence,
 * used by one thread at a time.
 */
public final class IncrementalDecoder {

  private static final char REPLACEMENT = '\uFFFD';

  private final ModelTokenizer tokenizer;
  private final boolean skipSpecialTokens;
  private int[] ids = new int[32];
  private int size;
  private int prefixOffset;
  private int readOffset;

  IncrementalDecoder(ModelTokenizer tokenizer, boolean skipSpecialTokens) {
    this.tokenizer = tokenizer;
    this.skipSpecialTokens = skipSpecialTokens;
  }

  /**
   * Adds one generated token and returns the text it completes: "" while a character is still incomplete (or the
   * token is a skipped special token), possibly several characters once it completes.
   *
   * @throws IllegalArgumentException if the id is outside the vocabulary (the decoder is left unchanged)
   */
  public String push(int tokenId) {
    if (tokenId < 0 || tokenId >= tokenizer.vocabSize()) {
      throw new IllegalArgumentException("token id " + tokenId + " is outside the vocabulary [0, "
          + tokenizer.vocabSize() + ")");
    }
    if (size == ids.length) {
      ids = Arrays.copyOf(ids, size * 2);
    }
    ids[size++] = tokenId;
    String prefixText = tokenizer.decode(ids, prefixOffset, readOffset, skipSpecialTokens);
    String newText = tokenizer.decode(ids, prefixOffset, size, skipSpecialTokens);
    if (newText.length() > prefixText.length() && newText.charAt(newText.length() - 1) != REPLACEMENT) {
      prefixOffset = readOffset;
      readOffset = size;
      return newText.substring(prefixText.length());
    }
    return "";
  }

  /** Returns whatever is still held back (an incomplete character decodes as U+FFFD) and resets the window. */
  public String flush() {
    String prefixText = tokenizer.decode(ids, prefixOffset, readOffset, skipSpecialTokens);
    String newText = tokenizer.decode(ids, prefixOffset, size, skipSpecialTokens);
    prefixOffset = size;
    readOffset = size;
    return newText.length() > prefixText.length() ? newText.substring(prefixText.length()) : "";
  }

  /** Number of tokens pushed so far. */
  public int tokenCount() {
    return size;
  }
}

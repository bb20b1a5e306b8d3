package io.kvroute.agent.sim;

/** What the simulated engine needs from a tokenizer to produce real, readable text. */
public interface TextModel {

  /** Turns generated token ids back into text, a piece at a time. */
  interface Decoder {
    /** Text completed by this token (may be empty, never half a character). */
    String push(int tokenId);

    /** Text still held back at the end. */
    String flush();
  }

  /** Token ids of {@code text} (no special tokens). */
  int[] encode(String text);

  /** A fresh incremental decoder. */
  Decoder newDecoder();
}

package io.kvroute.agent.sim;

import io.kvroute.common.tokenizer.IncrementalDecoder;
import io.kvroute.common.tokenizer.ModelTokenizer;

/** {@link TextModel} backed by the shared {@link ModelTokenizer}. */
public final class TokenizerTextModel implements TextModel {

  private final ModelTokenizer tokenizer;

  public TokenizerTextModel(ModelTokenizer tokenizer) {
    this.tokenizer = tokenizer;
  }

  public ModelTokenizer tokenizer() {
    return tokenizer;
  }

  @Override
  public int[] encode(String text) {
    return tokenizer.encode(text);
  }

  @Override
  public Decoder newDecoder() {
    IncrementalDecoder d = tokenizer.newIncrementalDecoder();
    return new Decoder() {
      @Override
      public String push(int tokenId) {
        return d.push(tokenId);
      }

      @Override
      public String flush() {
        return d.flush();
      }
    };
  }
}

package io.kvroute.perf.prompt;

import io.kvroute.common.tokenizer.ModelTokenizer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/** Builds a {@link TokenVocabulary} from the model's real tokenizer (scans ids in order: deterministic). */
public final class TokenizerVocabulary {

  private TokenizerVocabulary() {
  }

  /**
   * @param maxSize how many word tokens to keep at most
   * @param maxId scan token ids below this bound
   */
  public static TokenVocabulary build(ModelTokenizer tokenizer, int maxSize, int maxId) {
    List<Integer> ids = new ArrayList<>();
    List<String> texts = new ArrayList<>();
    int[] one = new int[1];
    for (int id = 0; id < maxId && ids.size() < maxSize; id++) {
      one[0] = id;
      String text;
      try {
        text = tokenizer.decode(one);
      } catch (RuntimeException e) {
        continue;
      }
      if (!TokenVocabulary.isWordToken(text)) {
        continue;
      }
      int[] back = tokenizer.encode(text);
      if (back.length == 1 && back[0] == id) {
        ids.add(id);
        texts.add(text);
      }
    }
    if (ids.size() < 2) {
      throw new IllegalStateException("tokenizer " + tokenizer.modelName() + " has no usable word tokens");
    }
    return new TokenVocabulary(ids.stream().mapToInt(Integer::intValue).toArray(), texts.toArray(String[]::new));
  }

  /** Checks that the vocabulary's text for {@code indexes} encodes back to exactly its ids. */
  public static boolean roundTrips(ModelTokenizer tokenizer, TokenVocabulary vocab, int[] indexes) {
    String text = vocab.appendText(new StringBuilder(), indexes, 0, indexes.length).toString();
    return Arrays.equals(tokenizer.encode(text), vocab.tokenIds(indexes));
  }
}

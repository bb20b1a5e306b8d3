package io.kvroute.perf.prompt;

import java.util.Arrays;
import java.util.Objects;

/**
 * Tokens that survive a text round trip one by one: each entry is a single token whose text is a space followed by
 * lower-case letters. The pre-tokenizer splits text at such words, so any concatenation of entry texts encodes back
 * to exactly the chosen token ids. This lets the load generator send plain text of an exact token length whose
 * block boundaries are known.
 */
public final class TokenVocabulary {

  private final int[] ids;
  private final String[] texts;

  public TokenVocabulary(int[] ids, String[] texts) {
    Objects.requireNonNull(ids);
    Objects.requireNonNull(texts);
    if (ids.length != texts.length || ids.length < 2) {
      throw new IllegalArgumentException("need at least two tokens with one text each");
    }
    this.ids = ids.clone();
    this.texts = texts.clone();
  }

  public int size() {
    return ids.length;
  }

  public int id(int index) {
    return ids[index];
  }

  public String text(int index) {
    return texts[index];
  }

  /** Appends the text of the given vocabulary indexes. */
  public StringBuilder appendText(StringBuilder sb, int[] indexes, int from, int to) {
    for (int i = from; i < to; i++) {
      sb.append(texts[indexes[i]]);
    }
    return sb;
  }

  /** The token ids of the given vocabulary indexes. */
  public int[] tokenIds(int[] indexes) {
    int[] out = new int[indexes.length];
    for (int i = 0; i < indexes.length; i++) {
      out[i] = ids[indexes[i]];
    }
    return out;
  }

  /** Whether a decoded token qualifies: a space and 3 to 10 ASCII lower-case letters. */
  public static boolean isWordToken(String text) {
    if (text == null || text.length() < 4 || text.length() > 11 || text.charAt(0) != ' ') {
      return false;
    }
    for (int i = 1; i < text.length(); i++) {
      char c = text.charAt(i);
      if (c < 'a' || c > 'z') {
        return false;
      }
    }
    return true;
  }

  @Override
  public String toString() {
    return "TokenVocabulary[size=" + ids.length + ", first=" + Arrays.toString(Arrays.copyOf(texts, 3)) + "]";
  }
}

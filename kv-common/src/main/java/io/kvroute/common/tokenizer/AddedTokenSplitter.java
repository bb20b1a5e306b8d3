package io.kvroute.common.tokenizer;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.BitSet;
import java.util.Comparator;
import java.util.List;

/**
 * Splits text on a tokenizer's added tokens exactly as HF {@code tokenizers}' {@code AddedVocabulary} does before
 * normalising: non-overlapping leftmost-longest matches of the added tokens' contents in the raw text. HF then
 * normalises, pre-tokenises and runs the model on every remaining piece independently, so
 * {@code encode(text)} is the concatenation, over this split, of (added token id | {@code encode(piece)}).
 *
 * <p>{@link #create} returns null (use the plain path) when that identity is not guaranteed for the tokenizer:
 * an added token with {@code normalized: true} (matched after normalisation), an empty content, an added token id
 * that is also a model vocabulary id (a piece's ids could then contain it, and runs of ids could not be split back
 * into pieces), or a Metaspace pre-tokenizer with {@code prepend_scheme: "first"} (a piece's encoding then depends
 * on its offset in the text). Added tokens with {@code lstrip}, {@code rstrip} or {@code single_word} are not
 * reproduced: {@link #split} returns null when one of them matches, and the caller encodes the whole text.
 */
final class AddedTokenSplitter {

  /** Result of {@link #split}: segments in text order, each a piece [start, end) or an added token. */
  static final class Segments {
    int count;
    int[] starts = new int[16];
    int[] ends = new int[16];
    /** The added token's id, or -1 for a piece of ordinary text. */
    int[] tokenIds = new int[16];

    void add(int start, int end, int tokenId) {
      if (count == starts.length) {
        starts = Arrays.copyOf(starts, count * 2);
        ends = Arrays.copyOf(ends, count * 2);
        tokenIds = Arrays.copyOf(tokenIds, count * 2);
      }
      starts[count] = start;
      ends[count] = end;
      tokenIds[count] = tokenId;
      count++;
    }

    boolean isPiece(int i) {
      return tokenIds[i] < 0;
    }
  }

  private record AddedToken(String content, int id, boolean exact) {}

  /** Candidate tokens by first char, longest first; index = first char, null when no token starts with it. */
  private final AddedToken[][] byFirstChar = new AddedToken[Character.MAX_VALUE + 1][];
  private final int tokenCount;

  private AddedTokenSplitter(List<AddedToken> tokens) {
    this.tokenCount = tokens.size();
    List<List<AddedToken>> lists = new ArrayList<>();
    for (int c = 0; c <= Character.MAX_VALUE; c++) {
      lists.add(null);
    }
    for (AddedToken token : tokens) {
      char first = token.content().charAt(0);
      if (lists.get(first) == null) {
        lists.set(first, new ArrayList<>());
      }
      lists.get(first).add(token);
    }
    for (int c = 0; c <= Character.MAX_VALUE; c++) {
      List<AddedToken> list = lists.get(c);
      if (list != null) {
        list.sort(Comparator.comparingInt((AddedToken t) -> t.content().length()).reversed());
        byFirstChar[c] = list.toArray(new AddedToken[0]);
      }
    }
  }

  int tokenCount() {
    return tokenCount;
  }

  /**
   * The split of {@code text}, or null when an added token that is not reproduced (lstrip, rstrip, single_word)
   * matches.
   */
  Segments split(String text) {
    Segments segments = new Segments();
    int n = text.length();
    int pieceStart = 0;
    int i = 0;
    while (i < n) {
      AddedToken[] candidates = byFirstChar[text.charAt(i)];
      AddedToken match = null;
      if (candidates != null) {
        for (AddedToken candidate : candidates) {
          if (text.startsWith(candidate.content(), i)) {
            match = candidate;
            break;
          }
        }
      }
      if (match == null) {
        i++;
        continue;
      }
      if (!match.exact()) {
        return null;
      }
      if (pieceStart < i) {
        segments.add(pieceStart, i, -1);
      }
      int end = i + match.content().length();
      segments.add(i, end, match.id());
      i = end;
      pieceStart = end;
    }
    if (pieceStart < n) {
      segments.add(pieceStart, n, -1);
    }
    return segments;
  }

  /** The splitter for this {@code tokenizer.json}, or null when the split identity does not hold (see class doc). */
  static AddedTokenSplitter create(byte[] tokenizerJson) {
    List<AddedToken> tokens = new ArrayList<>();
    BitSet vocabIds = new BitSet();
    boolean[] unsafe = {false};
    try {
      boolean read = TokenizerFiles.forEachField(tokenizerJson, (field, value, p) -> {
        if ("added_tokens".equals(field) && value == JsonToken.START_ARRAY) {
          while (p.nextToken() == JsonToken.START_OBJECT) {
            AddedToken token = readAddedToken(p);
            if (token == null) {
              return false;
            }
            tokens.add(token);
          }
        } else if ("model".equals(field) && value == JsonToken.START_OBJECT) {
          TokenizerFiles.forEachVocabId(p, vocabIds::set);
        } else if ("pre_tokenizer".equals(field) && value == JsonToken.START_OBJECT) {
          unsafe[0] |= hasPrependSchemeFirst(p);
        } else {
          p.skipChildren();
        }
        return true;
      });
      if (!read) {
        return null;
      }
    } catch (IOException | RuntimeException e) {
      return null;
    }
    if (unsafe[0]) {
      return null;
    }
    for (AddedToken token : tokens) {
      if (vocabIds.get(token.id())) {
        return null;
      }
    }
    return new AddedTokenSplitter(tokens);
  }

  /** One added_tokens entry; null if it makes the split unsafe (normalized, empty, no id). */
  private static AddedToken readAddedToken(JsonParser p) throws IOException {
    String content = null;
    int id = -1;
    boolean normalized = false;
    boolean exact = true;
    while (p.nextToken() == JsonToken.FIELD_NAME) {
      String field = p.currentName();
      JsonToken v = p.nextToken();
      switch (field) {
        case "content" -> content = v == JsonToken.VALUE_STRING ? p.getText() : null;
        case "id" -> id = v == JsonToken.VALUE_NUMBER_INT ? p.getIntValue() : -1;
        case "normalized" -> normalized = v == JsonToken.VALUE_TRUE;
        case "lstrip", "rstrip", "single_word" -> exact &= v != JsonToken.VALUE_TRUE;
        default -> p.skipChildren();
      }
    }
    if (content == null || content.isEmpty() || id < 0 || normalized) {
      return null;
    }
    return new AddedToken(content, id, exact);
  }

  /** True if the pre-tokenizer object (parser just past its START_OBJECT) has prepend_scheme "first" anywhere. */
  private static boolean hasPrependSchemeFirst(JsonParser p) throws IOException {
    boolean found = false;
    int depth = 1;
    String lastField = null;
    while (depth > 0) {
      JsonToken t = p.nextToken();
      if (t == null) {
        break;
      }
      switch (t) {
        case START_OBJECT, START_ARRAY -> depth++;
        case END_OBJECT, END_ARRAY -> depth--;
        case FIELD_NAME -> lastField = p.currentName();
        case VALUE_STRING -> found |= "prepend_scheme".equals(lastField) && "first".equalsIgnoreCase(p.getText());
        default -> { }
      }
    }
    return found;
  }
}

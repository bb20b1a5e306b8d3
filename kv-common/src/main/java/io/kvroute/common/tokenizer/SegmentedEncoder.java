package io.kvroute.common.tokenizer;

import java.util.Arrays;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Function;

/**
 * Encodes text as HF does, reusing the ids of pieces seen before: the text is split on added tokens
 * ({@link AddedTokenSplitter}), every piece is looked up in a {@link SegmentCache}, and each maximal run of
 * segments without a hit is encoded by the tokenizer in ONE call (so a cold text costs one native call, as on the
 * plain path); the run's ids are cut back into pieces at the added-token ids (which a piece's ids never contain,
 * checked when the splitter is created) and the pieces are cached. Exact: HF encodes each piece between added
 * tokens independently, so the concatenation equals the plain encoding.
 */
final class SegmentedEncoder {

  private final AddedTokenSplitter splitter;
  private final SegmentCache cache;
  private final Function<String, int[]> plain;
  /** {@code plain} for text known to hold no added token: one segment of the split. */
  private final Function<String, int[]> segmentPlain;
  private final LongAdder uncachedTexts = new LongAdder();
  /** A hit on a piece shorter than this does not end a run: it is re-encoded with its neighbours in one call. */
  private final int minRunBreakChars;

  SegmentedEncoder(AddedTokenSplitter splitter, SegmentCache cache, Function<String, int[]> plain,
      Function<String, int[]> segmentPlain, int minRunBreakChars) {
    this.splitter = splitter;
    this.cache = cache;
    this.plain = plain;
    this.segmentPlain = segmentPlain;
    this.minRunBreakChars = minRunBreakChars;
  }

  SegmentCacheStats stats() {
    return cache.stats(uncachedTexts.sum());
  }

  int[] encode(String text) {
    AddedTokenSplitter.Segments seg = splitter.split(text);
    if (seg == null) {
      uncachedTexts.increment();
      return plain.apply(text);
    }
    int n = seg.count;
    String[] keys = new String[n];
    int[][] hits = new int[n][];
    for (int i = 0; i < n; i++) {
      if (seg.isPiece(i)) {
        keys[i] = text.substring(seg.starts[i], seg.ends[i]);
        hits[i] = cache.get(keys[i]);
      }
    }
    IntList out = new IntList(Math.max(16, text.length() / 3));
    int runStart = 0;
    for (int i = 0; i <= n; i++) {
      if (i == n || hits[i] != null && keys[i].length() >= minRunBreakChars) {
        if (!encodeRun(text, seg, keys, hits, runStart, i, out)) {
          uncachedTexts.increment();
          return plain.apply(text);
        }
        if (i < n) {
          out.add(hits[i]);
        }
        runStart = i + 1;
      }
    }
    return out.toArray();
  }

  /**
   * {@link #encode} without the tokenizer: every piece's ids from the cache or from {@code segmentFromMemory}
   * (which returns null rather than run the tokenizer; {@code fromMemory} for a text the split cannot cut); null as
   * soon as one piece has none. Pieces it computes are cached; its lookups are counted only when it succeeds, since
   * a caller that then falls back to {@link #encode} repeats them.
   */
  int[] encodeFromMemory(String text, Function<String, int[]> fromMemory,
      Function<String, int[]> segmentFromMemory) {
    AddedTokenSplitter.Segments seg = splitter.split(text);
    if (seg == null) {
      int[] ids = fromMemory.apply(text);
      if (ids != null) {
        uncachedTexts.increment();
      }
      return ids;
    }
    IntList out = new IntList(Math.max(16, text.length() / 3));
    int hitCount = 0;
    int missCount = 0;
    for (int i = 0; i < seg.count; i++) {
      if (!seg.isPiece(i)) {
        out.add(seg.tokenIds[i]);
        continue;
      }
      String key = text.substring(seg.starts[i], seg.ends[i]);
      int[] ids = cache.peek(key);
      if (ids != null) {
        hitCount++;
      } else {
        ids = segmentFromMemory.apply(key);
        if (ids == null) {
          return null;
        }
        missCount++;
        cache.put(key, ids);
      }
      out.add(ids);
    }
    cache.count(hitCount, missCount);
    return out.toArray();
  }

  /**
   * Appends the ids of segments [from, to), none a cache hit: added tokens directly, the span from the first to
   * the last piece in one tokenizer call, cut back into pieces that are then cached. False if the ids do not line
   * up with the split (never expected; the caller then encodes the whole text on the plain path).
   */
  private boolean encodeRun(String text, AddedTokenSplitter.Segments seg, String[] keys, int[][] hits, int from,
      int to, IntList out) {
    int first = -1;
    int last = -1;
    boolean anyMiss = false;
    for (int i = from; i < to; i++) {
      if (seg.isPiece(i)) {
        if (first < 0) {
          first = i;
        }
        last = i;
        anyMiss |= hits[i] == null;
      }
    }
    if (!anyMiss) { // added tokens and short hits only: no tokenizer call
      for (int i = from; i < to; i++) {
        if (seg.isPiece(i)) {
          out.add(hits[i]);
        } else {
          out.add(seg.tokenIds[i]);
        }
      }
      return true;
    }
    for (int i = from; i < first; i++) {
      out.add(seg.tokenIds[i]);
    }
    int[] ids = first == last ? segmentPlain.apply(keys[first])
        : plain.apply(text.substring(seg.starts[first], seg.ends[last]));
    int pos = 0;
    for (int i = first; i <= last; i++) {
      if (!seg.isPiece(i)) {
        if (pos >= ids.length || ids[pos] != seg.tokenIds[i]) {
          return false;
        }
        pos++;
        continue;
      }
      int end;
      if (i == last) {
        end = ids.length;
      } else {
        // pieces never touch: the next segment is an added token, the first occurrence of its id ends this piece
        int next = seg.tokenIds[i + 1];
        end = pos;
        while (end < ids.length && ids[end] != next) {
          end++;
        }
        if (end == ids.length) {
          return false;
        }
      }
      if (hits[i] == null) {
        cache.put(keys[i], Arrays.copyOfRange(ids, pos, end));
      }
      pos = end;
    }
    out.add(ids);
    for (int i = last + 1; i < to; i++) {
      out.add(seg.tokenIds[i]);
    }
    return true;
  }

  /** Growable int array: the output ids. */
  private static final class IntList {
    private int[] data;
    private int size;

    IntList(int capacity) {
      data = new int[capacity];
    }

    void add(int value) {
      if (size == data.length) {
        data = Arrays.copyOf(data, size * 2);
      }
      data[size++] = value;
    }

    void add(int[] values) {
      if (size + values.length > data.length) {
        data = Arrays.copyOf(data, Math.max(size * 2, size + values.length));
      }
      System.arraycopy(values, 0, data, size, values.length);
      size += values.length;
    }

    int[] toArray() {
      return size == data.length ? data : Arrays.copyOf(data, size);
    }
  }
}

package io.kvroute.router.core.index;

import java.util.Arrays;

/**
 * Reusable result of a prefix walk: the matched depth of every target that matched at least one block. One
 * instance per thread (not thread-safe); {@link #reset()} costs O(matched targets), not O(all targets).
 */
public final class MatchResult {

  private int[] depth = new int[64];
  private int[] targets = new int[64];
  private int count;
  long[] active = new long[1];
  long[] next = new long[1];

  /** Depth of a target (0 if it matched nothing). */
  public int depth(int target) {
    return target < depth.length ? depth[target] : 0;
  }

  /** Number of targets with a nonzero depth. */
  public int count() {
    return count;
  }

  /** The i-th matched target (0 ≤ i &lt; count). */
  public int target(int i) {
    return targets[i];
  }

  /** Largest depth of any target. */
  public int maxDepth() {
    int m = 0;
    for (int i = 0; i < count; i++) {
      m = Math.max(m, depth[targets[i]]);
    }
    return m;
  }

  public void reset() {
    for (int i = 0; i < count; i++) {
      depth[targets[i]] = 0;
    }
    count = 0;
  }

  void set(int target, int d) {
    if (target >= depth.length) {
      depth = Arrays.copyOf(depth, Math.max(target + 1, depth.length * 2));
    }
    if (depth[target] == 0) {
      if (count == targets.length) {
        targets = Arrays.copyOf(targets, count * 2);
      }
      targets[count++] = target;
    }
    depth[target] = d;
  }

  /** Records depth d for every target whose bit is set in word w of {@code bits}. */
  public void record(long bits, int w, int d) {
    int base = w << 6;
    while (bits != 0) {
      set(base + Long.numberOfTrailingZeros(bits), d);
      bits &= bits - 1;
    }
  }

  void words(int n) {
    if (active.length < n) {
      active = new long[n];
      next = new long[n];
    }
  }
}

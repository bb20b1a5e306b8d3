package io.kvroute.router.core.index;

import io.kvroute.router.core.Target;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Dense indices for scheduling targets, shared by the index (worker bitsets) and the load tracker. Thread-safe.
 * An index, once given to a target, is never given to another one: a reader holding a stale index can never
 * attribute a block to the wrong worker. The index space therefore grows with the number of distinct targets ever
 * seen (a removed worker that comes back gets its old index again).
 */
public final class TargetRegistry {

  private final ConcurrentHashMap<Target, Integer> indices = new ConcurrentHashMap<>();
  private volatile Target[] byIndex = new Target[16];
  private volatile int count;

  /** The target's index, assigning the next free one on first sight. */
  public int indexOf(Target target) {
    Integer i = indices.get(target);
    return i != null ? i : assign(target);
  }

  /** The target's index, or -1 if it was never seen. */
  public int find(Target target) {
    Integer i = indices.get(target);
    return i == null ? -1 : i;
  }

  /** The target at a dense index (null if unassigned). */
  public Target target(int index) {
    Target[] a = byIndex;
    return index >= 0 && index < a.length ? a[index] : null;
  }

  /** Number of indices handed out so far (every index is below this). */
  public int size() {
    return count;
  }

  /** Indices of every known rank of a worker. */
  public int[] indicesOf(String workerId) {
    List<Integer> out = new ArrayList<>();
    int n = count;
    Target[] a = byIndex;
    for (int i = 0; i < n && i < a.length; i++) {
      if (a[i] != null && a[i].workerId().equals(workerId)) {
        out.add(i);
      }
    }
    return out.stream().mapToInt(Integer::intValue).toArray();
  }

  private synchronized int assign(Target target) {
    Integer existing = indices.get(target);
    if (existing != null) {
      return existing;
    }
    int i = count;
    Target[] a = byIndex;
    if (i == a.length) {
      a = Arrays.copyOf(a, a.length * 2);
    }
    a[i] = target;
    byIndex = a;
    count = i + 1;
    indices.put(target, i);
    return i;
  }
}

package io.kvroute.router.core;

import io.kvroute.common.event.KvEvent;
import io.kvroute.router.core.index.RadixIndex;
import java.util.SplittableRandom;

/** Synthetic trees shared by the benchmarks. */
final class BenchTrees {

  private BenchTrees() {
  }

  /**
   * About {@code totalBlocks} nodes: chains of {@code chainBlocks} blocks, all starting with a {@code sharedPrefix}
   * held by every worker (a common system prompt); each chain is then held by {@code holders} random workers, the
   * first one for the whole chain, the others up to a random depth (so queries see dropouts).
   * Local hash of chain c, block i = mix(c, i); engine hash = local hash ^ a constant.
   */
  static long[][] build(RadixIndex index, int workers, long totalBlocks, int chainBlocks, int sharedPrefix,
      int holders, long seed) {
    SplittableRandom rnd = new SplittableRandom(seed);
    int chains = (int) Math.max(1, (totalBlocks - sharedPrefix) / (chainBlocks - sharedPrefix));
    long[] prefix = new long[sharedPrefix];
    for (int i = 0; i < sharedPrefix; i++) {
      prefix[i] = local(-1, i);
    }
    for (int w = 0; w < workers; w++) {
      index.apply(w, KvEvent.Stored.root(engine(prefix), prefix));
    }
    long[][] paths = new long[chains][];
    for (int c = 0; c < chains; c++) {
      long[] path = new long[chainBlocks];
      System.arraycopy(prefix, 0, path, 0, sharedPrefix);
      for (int i = sharedPrefix; i < chainBlocks; i++) {
        path[i] = local(c, i);
      }
      paths[c] = path;
      long[] suffix = java.util.Arrays.copyOfRange(path, sharedPrefix, chainBlocks);
      long parent = engine(prefix[sharedPrefix - 1]);
      for (int h = 0; h < holders; h++) {
        int w = rnd.nextInt(workers);
        int len = h == 0 ? suffix.length : 1 + rnd.nextInt(suffix.length);
        long[] part = java.util.Arrays.copyOf(suffix, len);
        index.apply(w, KvEvent.Stored.under(parent, engine(part), part));
      }
    }
    return paths;
  }

  static long local(long chain, long i) {
    long x = (chain + 0x9E3779B97F4A7C15L) * 0xBF58476D1CE4E5B9L + i * 0x94D049BB133111EBL;
    x ^= x >>> 31;
    return x * 0xD6E8FEB86659FD93L;
  }

  static long engine(long local) {
    return local ^ 0x5555_AAAA_5555_AAAAL;
  }

  static long[] engine(long[] locals) {
    long[] out = new long[locals.length];
    for (int i = 0; i < out.length; i++) {
      out[i] = engine(locals[i]);
    }
    return out;
  }
}

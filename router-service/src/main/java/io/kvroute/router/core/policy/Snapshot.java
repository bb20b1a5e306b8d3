package io.kvroute.router.core.policy;

import java.util.Arrays;

/**
 * The state a policy decides on, one row per candidate (structure of arrays, reused between decisions).
 * {@code overlap} is the matched prefix in blocks, {@code newBlocks} the query blocks not yet active on the
 * candidate (so its potential decode blocks are {@code activeBlocks + newBlocks}); {@code kvUsage} and
 * {@code waiting} are the worker's latest engine metrics (waiting includes the seed policy's local bump).
 */
public final class Snapshot {

  public int size;
  public int blockSize;
  public int numTokens;
  public int[] overlap = new int[0];
  public long[] treeSize = new long[0];
  public long[] activePrefillTokens = new long[0];
  public long[] activeBlocks = new long[0];
  public int[] newBlocks = new int[0];
  public int[] activeRequests = new int[0];
  public double[] kvUsage = new double[0];
  public double[] waiting = new double[0];

  /** Prepares for {@code n} candidates (contents unspecified until set). */
  public Snapshot reset(int n, int blockSize, int numTokens) {
    if (overlap.length < n) {
      int c = Math.max(n, overlap.length * 2);
      overlap = Arrays.copyOf(overlap, c);
      treeSize = Arrays.copyOf(treeSize, c);
      activePrefillTokens = Arrays.copyOf(activePrefillTokens, c);
      activeBlocks = Arrays.copyOf(activeBlocks, c);
      newBlocks = Arrays.copyOf(newBlocks, c);
      activeRequests = Arrays.copyOf(activeRequests, c);
      kvUsage = Arrays.copyOf(kvUsage, c);
      waiting = Arrays.copyOf(waiting, c);
    }
    this.size = n;
    this.blockSize = blockSize;
    this.numTokens = numTokens;
    return this;
  }

  /** Sets one candidate's row. */
  public void set(int i, int overlapBlocks, long tree, long activePrefill, long active, int fresh, int requests,
      double usage, double waitingReqs) {
    overlap[i] = overlapBlocks;
    treeSize[i] = tree;
    activePrefillTokens[i] = activePrefill;
    activeBlocks[i] = active;
    newBlocks[i] = fresh;
    activeRequests[i] = requests;
    kvUsage[i] = usage;
    waiting[i] = waitingReqs;
  }

  /** Prefill tokens the candidate would have outstanding: its new tokens plus its active prefill. */
  public long potentialPrefillTokens(int i) {
    return Math.max(0L, numTokens - (long) overlap[i] * blockSize) + activePrefillTokens[i];
  }

  /** Decode blocks the candidate would hold: active unique blocks plus the query's blocks not active there. */
  public long potentialDecodeBlocks(int i) {
    return activeBlocks[i] + newBlocks[i];
  }
}

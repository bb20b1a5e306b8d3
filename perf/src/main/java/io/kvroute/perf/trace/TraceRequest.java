package io.kvroute.perf.trace;

/**
 * One request of a Mooncake trace line.
 *
 * @param line 1-based line number in the trace file (for error messages and CSV rows)
 * @param timestampMs arrival time relative to the trace start, milliseconds
 * @param inputLength prompt length, tokens
 * @param outputLength generated length, tokens
 * @param hashIds prefix block ids; block k covers prompt tokens [k*512, (k+1)*512); equal ids = equal blocks
 */
public record TraceRequest(int line, long timestampMs, int inputLength, int outputLength, long[] hashIds) {

  /** Tokens per Mooncake hash block. */
  public static final int MOONCAKE_BLOCK_TOKENS = 512;
}

package io.kvroute.perf.client;

/**
 * What one streamed request measured. Times are nanoseconds; {@code -1} = not observed.
 *
 * @param index the request's workload index
 * @param sentAtNanos send time relative to the run start
 * @param status HTTP status (0 = no response)
 * @param error null on success, else a one-line reason
 * @param ttftNanos send → first generated text
 * @param lastTokenNanos send → last generated text
 * @param e2eNanos send → end of the stream
 * @param outputTokens {@code usage.completion_tokens}, else the number of text chunks
 * @param promptTokens {@code usage.prompt_tokens}
 * @param cachedTokens {@code usage.prompt_tokens_details.cached_tokens}
 * @param chunks SSE data events carrying text
 * @param worker the {@code x-kvroute-worker} response header, or null
 */
public record RequestResult(int index, long sentAtNanos, int status, String error, long ttftNanos,
    long lastTokenNanos, long e2eNanos, int outputTokens, int promptTokens, int cachedTokens, int chunks,
    String worker) {

  public boolean ok() {
    return error == null;
  }

  /** Mean time between output tokens after the first (aiperf's definition), or -1 with fewer than 2 tokens. */
  public long itlNanos() {
    if (!ok() || outputTokens < 2 || ttftNanos < 0 || lastTokenNanos < ttftNanos) {
      return -1;
    }
    return (lastTokenNanos - ttftNanos) / (outputTokens - 1);
  }
}

package io.kvroute.agent.sim;

/** Receives one request's output. Called on the engine thread: implementations hand off quickly. */
public interface RequestListener {

  /** Prefill is done: the prompt is in the cache, {@code cachedTokens} of it were reused. */
  default void onPrefillDone(int promptTokens, int cachedTokens) {
  }

  /** One generated token and the text it completes (may be empty). */
  void onToken(int tokenId, String text);

  /**
   * The request ended. {@code finishReason}: "stop", "length", "error" (engine failure) or
   * "invalid" (request rejected); for the last two {@code error} says why.
   */
  void onFinish(String finishReason, int promptTokens, int completionTokens, int cachedTokens, String error);
}

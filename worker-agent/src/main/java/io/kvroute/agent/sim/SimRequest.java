package io.kvroute.agent.sim;

import java.util.Arrays;

/** One request inside the simulated engine; owned by the engine thread. */
final class SimRequest {

  enum Phase { WAITING, PREFILL, DECODE, DONE }

  final long id;
  final int promptLength;
  final GenerationParams params;
  final RequestListener listener;
  final TextGenerator.Stream stream;
  final TextModel.Decoder decoder;

  int[] tokens;
  int length;
  Phase phase = Phase.WAITING;
  BlockManager.Holding holding;
  int computed;
  int cachedTokens;
  int outputTokens;
  /** Text generated so far (kept only when there are stop strings). */
  final StringBuilder text = new StringBuilder();
  /** Characters of {@link #text} handed to the listener. */
  int emitted;
  /**
   * Characters held back at the end of {@link #text}: one less than the longest stop string, so that a stop string
   * spanning several tokens is never partly sent before it is recognised.
   */
  final int holdBack;
  /** A stop string ended the output: nothing after it is sent. */
  boolean stopMatched;
  /** Tokens scheduled for this step (prefill chunk, or 1 for decode). */
  int scheduled;

  SimRequest(long id, int[] prompt, GenerationParams params, RequestListener listener, TextGenerator generator,
      TextModel textModel) {
    this.id = id;
    this.promptLength = prompt.length;
    this.params = params;
    this.listener = listener;
    this.tokens = Arrays.copyOf(prompt, prompt.length + Math.min(params.maxTokens(), 4096) + 1);
    this.length = prompt.length;
    this.stream = generator.new Stream(params.seed(), prompt, prompt.length);
    this.decoder = textModel.newDecoder();
    int longest = 0;
    for (String stop : params.stop()) {
      longest = Math.max(longest, stop.length());
    }
    this.holdBack = Math.max(0, longest - 1);
  }

  void append(int token) {
    if (length == tokens.length) {
      tokens = Arrays.copyOf(tokens, tokens.length * 2);
    }
    tokens[length++] = token;
    outputTokens++;
  }

  /** Most tokens this request can reach (prompt + max output). */
  int maxTotalTokens() {
    return promptLength + params.maxTokens();
  }
}

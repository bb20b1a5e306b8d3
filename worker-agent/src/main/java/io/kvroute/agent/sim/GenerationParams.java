package io.kvroute.agent.sim;

import java.util.List;

/**
 * Sampling parameters the simulated engine honours.
 *
 * @param maxTokens  most output tokens (finish_reason "length" when reached)
 * @param minTokens  no natural end of sequence before this many tokens
 * @param ignoreEos  never end naturally: generate exactly {@code maxTokens}
 * @param stop       stop strings: output ends before the first occurrence (finish_reason "stop")
 * @param seed       seed of the deterministic text (mixed with the prompt)
 */
public record GenerationParams(int maxTokens, int minTokens, boolean ignoreEos, List<String> stop, long seed) {

  public GenerationParams {
    stop = stop == null ? List.of() : List.copyOf(stop);
    if (maxTokens < 0 || minTokens < 0) {
      throw new IllegalArgumentException("max_tokens and min_tokens must not be negative");
    }
  }
}

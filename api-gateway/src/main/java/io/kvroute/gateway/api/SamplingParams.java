package io.kvroute.gateway.api;

import java.util.List;

/**
 * Generation parameters forwarded to the worker. Null means "not given" (the engine's default applies).
 *
 * @param maxTokens   completion token budget (always set: request value or the gateway default, clamped to the
 *                    context left after the prompt)
 * @param temperature sampling temperature, 0..2
 * @param topP        nucleus mass, (0, 1]
 * @param stop        stop strings
 * @param seed        sampling seed
 * @param ignoreEos   keep generating past the end-of-sequence token
 * @param minTokens   minimum completion tokens before a stop may end the sequence
 */
public record SamplingParams(
    int maxTokens,
    Double temperature,
    Double topP,
    List<String> stop,
    Long seed,
    Boolean ignoreEos,
    Integer minTokens) {

  public SamplingParams withMaxTokens(int value) {
    return new SamplingParams(value, temperature, topP, stop, seed, ignoreEos, minTokens);
  }
}

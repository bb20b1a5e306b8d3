package io.kvroute.perf.client;

import java.util.function.Supplier;

/**
 * One request to send.
 *
 * @param index position in the workload (0-based)
 * @param sendAtMs scheduled send time relative to the run start, ms (open loop); negative = as soon as a slot frees
 * @param path endpoint path, e.g. {@code /v1/chat/completions}
 * @param body the JSON body, built lazily at send time (trace prompts are large)
 * @param inputTokens intended prompt length (tokens of the user text), for reports
 * @param maxTokens requested output length
 */
public record RequestSpec(int index, long sendAtMs, String path, Supplier<String> body, int inputTokens,
    int maxTokens) {
}

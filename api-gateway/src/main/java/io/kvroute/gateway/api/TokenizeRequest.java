package io.kvroute.gateway.api;

import java.util.List;
import java.util.Map;

/**
 * A vLLM-compatible /tokenize request: either {@code prompt} or {@code messages} (+ tools).
 *
 * @param prompt              text to encode without special tokens; null when messages are given
 * @param messages            chat messages as plain maps
 * @param tools               chat tools, or null
 * @param addGenerationPrompt append the assistant header (vLLM default true)
 */
public record TokenizeRequest(
    String prompt,
    List<Map<String, Object>> messages,
    List<Map<String, Object>> tools,
    boolean addGenerationPrompt) {
}

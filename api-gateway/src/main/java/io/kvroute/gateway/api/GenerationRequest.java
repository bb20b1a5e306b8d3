package io.kvroute.gateway.api;

import java.util.List;
import java.util.Map;

/**
 * A validated chat or completion request, before tokenising.
 *
 * @param endpoint           which API it came from
 * @param messages           chat messages as plain maps (content flattened to a string); null for completions
 * @param tools              chat tools as plain maps; null when absent
 * @param promptText         completion prompt as text; null for chat or for a token-id prompt
 * @param promptTokens       completion prompt as token ids; null otherwise
 * @param stream             answer as SSE
 * @param includeUsage       streamed: add the usage chunk before [DONE]
 * @param maxTokensExplicit  whether the client set max_tokens / max_completion_tokens (else the default applies)
 * @param sampling           parameters forwarded to the worker
 * @param user               end-user id (logged, not forwarded)
 */
public record GenerationRequest(
    Endpoint endpoint,
    List<Map<String, Object>> messages,
    List<Map<String, Object>> tools,
    String promptText,
    int[] promptTokens,
    boolean stream,
    boolean includeUsage,
    boolean maxTokensExplicit,
    SamplingParams sampling,
    String user) {
}

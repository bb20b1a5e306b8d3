package io.kvroute.gateway.proxy;

/**
 * Token accounting of one completion.
 *
 * @param promptTokens     prompt length in tokens
 * @param completionTokens generated tokens
 * @param cachedTokens     prompt tokens served from the worker's KV cache (as reported by the worker)
 */
public record Usage(int promptTokens, int completionTokens, int cachedTokens) {

  /** Appends the OpenAI usage object. */
  public StringBuilder appendJson(StringBuilder sb) {
    return sb.append("{\"prompt_tokens\":").append(promptTokens)
        .append(",\"completion_tokens\":").append(completionTokens)
        .append(",\"total_tokens\":").append(promptTokens + completionTokens)
        .append(",\"prompt_tokens_details\":{\"cached_tokens\":").append(cachedTokens).append("}}");
  }
}

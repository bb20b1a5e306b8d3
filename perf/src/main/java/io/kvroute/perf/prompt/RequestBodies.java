package io.kvroute.perf.prompt;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

/** OpenAI request bodies as the load generator sends them: always streamed, with usage in the last chunk. */
public final class RequestBodies {

  private RequestBodies() {
  }

  /**
   * A chat completion with one user message.
   *
   * @param exactOutput also send {@code min_tokens = max_tokens} and {@code ignore_eos} (aiperf's fixed OSL)
   */
  public static JsonObject chat(String model, String content, int maxTokens, boolean exactOutput) {
    JsonObject body = new JsonObject().put("model", model)
        .put("messages", new JsonArray().add(new JsonObject().put("role", "user").put("content", content)));
    return common(body, maxTokens, exactOutput);
  }

  /** A text completion; {@code prompt} is a String or a JsonArray of token ids. */
  public static JsonObject completion(String model, Object prompt, int maxTokens, boolean exactOutput) {
    JsonObject body = new JsonObject().put("model", model).put("prompt", prompt);
    return common(body, maxTokens, exactOutput);
  }

  private static JsonObject common(JsonObject body, int maxTokens, boolean exactOutput) {
    body.put("max_tokens", maxTokens).put("stream", true)
        .put("stream_options", new JsonObject().put("include_usage", true));
    if (exactOutput) {
      body.put("min_tokens", maxTokens).put("ignore_eos", true);
    }
    return body;
  }
}

package io.kvroute.gateway.api;

/** Context-length rules applied once the prompt is tokenised (vLLM's messages, OpenAI's error code). */
public final class ContextLimits {

  public static final String CODE = "context_length_exceeded";

  private final int maxModelLen;
  private final int defaultMaxTokens;

  public ContextLimits(int maxModelLen, int defaultMaxTokens) {
    this.maxModelLen = maxModelLen;
    this.defaultMaxTokens = defaultMaxTokens;
  }

  public int maxModelLen() {
    return maxModelLen;
  }

  /** Rejects a prompt longer than the context (used by /tokenize-free paths too). */
  public void checkPrompt(int promptTokens) {
    if (promptTokens > maxModelLen) {
      throw ApiError.invalid("This model's maximum context length is " + maxModelLen + " tokens. However, your "
          + "prompt has " + promptTokens + " tokens. Please reduce the length of the messages or prompt.",
          "messages", CODE);
    }
    if (promptTokens == 0) {
      throw ApiError.invalid("The prompt is empty after tokenisation", "prompt");
    }
  }

  /**
   * The completion budget: an explicit max_tokens must fit next to the prompt; the default is clamped to the room
   * left.
   */
  public int maxTokens(GenerationRequest req, int promptTokens) {
    checkPrompt(promptTokens);
    int room = maxModelLen - promptTokens;
    if (req.maxTokensExplicit()) {
      int asked = req.sampling().maxTokens();
      if (asked > room) {
        throw ApiError.invalid("This model's maximum context length is " + maxModelLen + " tokens. However, you "
            + "requested " + ((long) promptTokens + asked) + " tokens (" + promptTokens + " in the prompt, " + asked
            + " in the completion). Please reduce the length of the messages, prompt or completion.",
            "max_tokens", CODE);
      }
      return asked;
    }
    if (room <= 0) {
      throw ApiError.invalid("This model's maximum context length is " + maxModelLen + " tokens and your prompt "
          + "has " + promptTokens + " tokens, leaving no room for a completion.", "messages", CODE);
    }
    Integer min = req.sampling().minTokens();
    return Math.min(min == null ? defaultMaxTokens : Math.max(defaultMaxTokens, min), room);
  }
}

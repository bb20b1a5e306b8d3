package io.kvroute.gateway.tokenize;

import io.kvroute.common.tokenizer.ChatTemplateException;
import io.kvroute.common.tokenizer.ModelTokenizer;
import io.kvroute.gateway.api.ApiError;
import io.kvroute.gateway.api.GenerationRequest;
import io.kvroute.gateway.api.TokenizeRequest;
import io.vertx.core.Future;
import io.vertx.core.WorkerExecutor;
import java.util.List;
import java.util.Map;

/**
 * Chat template + encoding on a dedicated worker pool: tokenising a long prompt takes milliseconds and must never
 * run on an event loop. Template errors become 400s.
 */
public final class PromptTokenizer {

  private final ModelTokenizer tokenizer;
  private final WorkerExecutor pool;

  public PromptTokenizer(ModelTokenizer tokenizer, WorkerExecutor pool) {
    this.tokenizer = tokenizer;
    this.pool = pool;
  }

  /** Prompt token ids of a generation request (token-id prompts are passed through without a pool hop). */
  public Future<int[]> promptTokens(GenerationRequest req) {
    if (req.promptTokens() != null) {
      return Future.succeededFuture(req.promptTokens());
    }
    if (req.promptText() != null) {
      String text = req.promptText();
      return pool.executeBlocking(() -> tokenizer.encode(text), false);
    }
    return chat(req.messages(), req.tools(), true);
  }

  /** Token ids for /tokenize. */
  public Future<int[]> tokenize(TokenizeRequest req) {
    if (req.prompt() != null) {
      String text = req.prompt();
      return pool.executeBlocking(() -> tokenizer.encode(text), false);
    }
    return chat(req.messages(), req.tools(), req.addGenerationPrompt());
  }

  private Future<int[]> chat(List<Map<String, Object>> messages, List<Map<String, Object>> tools, boolean addGen) {
    return pool.executeBlocking(() -> {
      try {
        return tokenizer.encodeChat(messages, tools, addGen);
      } catch (ChatTemplateException e) {
        throw ApiError.invalid("chat template: " + e.getMessage(), "messages");
      }
    }, false);
  }
}

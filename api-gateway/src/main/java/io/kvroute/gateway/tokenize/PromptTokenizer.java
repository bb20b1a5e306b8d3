package io.kvroute.gateway.tokenize;

import io.kvroute.common.tokenizer.ChatTemplateException;
import io.kvroute.common.tokenizer.ModelTokenizer;
import io.kvroute.gateway.api.ApiError;
import io.kvroute.gateway.api.GenerationRequest;
import io.kvroute.gateway.api.TokenizeRequest;
import io.kvroute.gateway.metrics.GatewayMetrics;
import io.vertx.core.Future;
import io.vertx.core.WorkerExecutor;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

/**
 * Chat template + encoding on a dedicated worker pool: tokenising a long prompt takes milliseconds and must never
 * run on an event loop. Template errors become 400s. Each job's wait for a pool thread and its run time are recorded
 * ({@code kvroute_gateway_tokenizer_queue_seconds}, {@code kvroute_gateway_tokenizer_run_seconds}).
 */
public final class PromptTokenizer {

  private final ModelTokenizer tokenizer;
  private final WorkerExecutor pool;
  private final GatewayMetrics metrics;

  public PromptTokenizer(ModelTokenizer tokenizer, WorkerExecutor pool, GatewayMetrics metrics) {
    this.tokenizer = tokenizer;
    this.pool = pool;
    this.metrics = metrics;
  }

  /** Prompt token ids of a generation request (token-id prompts are passed through without a pool hop). */
  public Future<int[]> promptTokens(GenerationRequest req) {
    if (req.promptTokens() != null) {
      return Future.succeededFuture(req.promptTokens());
    }
    if (req.promptText() != null) {
      String text = req.promptText();
      return onPool(() -> tokenizer.encode(text));
    }
    return chat(req.messages(), req.tools(), true);
  }

  /** Token ids for /tokenize. */
  public Future<int[]> tokenize(TokenizeRequest req) {
    if (req.prompt() != null) {
      String text = req.prompt();
      return onPool(() -> tokenizer.encode(text));
    }
    return chat(req.messages(), req.tools(), req.addGenerationPrompt());
  }

  private Future<int[]> chat(List<Map<String, Object>> messages, List<Map<String, Object>> tools, boolean addGen) {
    return onPool(() -> {
      try {
        return tokenizer.encodeChat(messages, tools, addGen);
      } catch (ChatTemplateException e) {
        throw ApiError.invalid("chat template: " + e.getMessage(), "messages");
      }
    });
  }

  /** Runs {@code job} on the pool (unordered), timing its wait for a thread and its run. */
  private Future<int[]> onPool(Callable<int[]> job) {
    long queued = System.nanoTime();
    return pool.executeBlocking(() -> {
      long start = System.nanoTime();
      metrics.tokenizerQueue(start - queued);
      try {
        return job.call();
      } finally {
        metrics.tokenizerRun(System.nanoTime() - start);
      }
    }, false);
  }
}

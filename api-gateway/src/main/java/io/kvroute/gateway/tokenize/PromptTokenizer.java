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
 * Chat template + encoding. The native tokenizer only ever runs on a dedicated worker pool: a long or new prompt
 * takes milliseconds there and must never hold an event loop. A request body of at most {@code inlineBytes} is
 * first tried on the calling event loop from memory alone (template rendered, then every text piece's ids from the
 * tokenizer's caches, no native call: {@link ModelTokenizer#encodeFromMemory}), which costs tens of microseconds,
 * about what parsing such a body costs, and saves the two thread hand-offs of a pool job, which under load cost far
 * more than the work; when a piece is not cached the rendered prompt goes to the pool. Template errors become 400s.
 * Recorded: each inline attempt's time ({@code kvroute_gateway_tokenizer_inline_seconds}), each pool job's wait for
 * a thread and its run ({@code kvroute_gateway_tokenizer_queue_seconds}, {@code ..._run_seconds}), and where each
 * text prompt was tokenised ({@code kvroute_gateway_tokenizer_prompts_total{path}}).
 */
public final class PromptTokenizer {

  private final ModelTokenizer tokenizer;
  private final WorkerExecutor pool;
  private final GatewayMetrics metrics;
  private final int inlineBytes;

  /**
   * @param inlineBytes largest request body whose prompt is first tried from memory on the event loop; 0 = always
   *     the pool
   */
  public PromptTokenizer(ModelTokenizer tokenizer, WorkerExecutor pool, GatewayMetrics metrics, int inlineBytes) {
    this.tokenizer = tokenizer;
    this.pool = pool;
    this.metrics = metrics;
    this.inlineBytes = inlineBytes;
  }

  /**
   * Prompt token ids of a generation request whose body had {@code bodyBytes} bytes (token-id prompts are passed
   * through without a pool hop).
   */
  public Future<int[]> promptTokens(GenerationRequest req, int bodyBytes) {
    if (req.promptTokens() != null) {
      return Future.succeededFuture(req.promptTokens());
    }
    if (req.promptText() != null) {
      return text(req.promptText(), bodyBytes);
    }
    return chat(req.messages(), req.tools(), true, bodyBytes);
  }

  /** Token ids for /tokenize. */
  public Future<int[]> tokenize(TokenizeRequest req, int bodyBytes) {
    if (req.prompt() != null) {
      return text(req.prompt(), bodyBytes);
    }
    return chat(req.messages(), req.tools(), req.addGenerationPrompt(), bodyBytes);
  }

  private Future<int[]> text(String text, int bodyBytes) {
    if (bodyBytes <= inlineBytes) {
      int[] ids = fromMemory(System.nanoTime(), text);
      if (ids != null) {
        return Future.succeededFuture(ids);
      }
    }
    return onPool(() -> tokenizer.encode(text));
  }

  private Future<int[]> chat(List<Map<String, Object>> messages, List<Map<String, Object>> tools, boolean addGen,
      int bodyBytes) {
    if (bodyBytes > inlineBytes) {
      return onPool(() -> tokenizer.encodeCached(render(messages, tools, addGen)));
    }
    long start = System.nanoTime();
    String prompt;
    try {
      prompt = render(messages, tools, addGen);
    } catch (ApiError e) {
      metrics.tokenizerInline(System.nanoTime() - start, false);
      return Future.failedFuture(e);
    }
    int[] ids = fromMemory(start, prompt);
    return ids != null ? Future.succeededFuture(ids) : onPool(() -> tokenizer.encodeCached(prompt));
  }

  private int[] fromMemory(long start, String text) {
    int[] ids = tokenizer.encodeFromMemory(text);
    metrics.tokenizerInline(System.nanoTime() - start, ids != null);
    return ids;
  }

  private String render(List<Map<String, Object>> messages, List<Map<String, Object>> tools, boolean addGen) {
    try {
      return tokenizer.applyChatTemplate(messages, tools, addGen);
    } catch (ChatTemplateException e) {
      throw ApiError.invalid("chat template: " + e.getMessage(), "messages");
    }
  }

  /** Runs {@code job} on the pool (unordered), timing its wait for a thread and its run. */
  private Future<int[]> onPool(Callable<int[]> job) {
    metrics.tokenizerPooled();
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

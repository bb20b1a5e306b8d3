package io.kvroute.perf.client;

import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.function.LongSupplier;

/**
 * Consumes an OpenAI streaming response line by line (chat.completion.chunk or text_completion), recording when
 * text arrives and the final usage. Not thread-safe: one parser per response, fed in order.
 */
public final class SseResponseParser {

  private final int index;
  private final long sentAtNanos;
  private final long startNanos;
  private final LongSupplier clock;
  private final int status;
  private final String worker;
  private final StringBuilder errorBody = new StringBuilder();
  private long firstTextNanos = -1;
  private long lastTextNanos = -1;
  private int chunks;
  private int completionTokens = -1;
  private int promptTokens = -1;
  private int cachedTokens = -1;
  private boolean done;
  private String error;

  /**
   * @param sentAtNanos send time relative to the run start (reported)
   * @param startNanos clock value at send (latencies are measured from it)
   */
  public SseResponseParser(int index, long sentAtNanos, long startNanos, LongSupplier clock, int status,
      String worker) {
    this.index = index;
    this.sentAtNanos = sentAtNanos;
    this.startNanos = startNanos;
    this.clock = clock;
    this.status = status;
    this.worker = worker;
  }

  public void onLine(String rawLine) {
    long now = clock.getAsLong();
    String line = rawLine.endsWith("\r") ? rawLine.substring(0, rawLine.length() - 1) : rawLine;
    if (status != 200) {
      if (errorBody.length() < 500) {
        errorBody.append(line);
      }
      return;
    }
    if (!line.startsWith("data:")) {
      return;
    }
    String data = line.substring(5).trim();
    if (data.isEmpty()) {
      return;
    }
    if (data.equals("[DONE]")) {
      done = true;
      return;
    }
    JsonObject chunk;
    try {
      chunk = new JsonObject(data);
    } catch (DecodeException | ClassCastException e) {
      error = error != null ? error : "malformed SSE data: " + abbreviate(data);
      return;
    }
    JsonObject err = chunk.getJsonObject("error");
    if (err != null) {
      error = "stream error: " + abbreviate(err.getString("message", err.encode()));
      return;
    }
    JsonArray choices = chunk.getJsonArray("choices");
    if (choices != null) {
      for (int i = 0; i < choices.size(); i++) {
        JsonObject choice = choices.getJsonObject(i);
        if (hasText(choice)) {
          if (firstTextNanos < 0) {
            firstTextNanos = now - startNanos;
          }
          lastTextNanos = now - startNanos;
          chunks++;
        }
      }
    }
    JsonObject usage = chunk.getJsonObject("usage");
    if (usage != null) {
      completionTokens = usage.getInteger("completion_tokens", completionTokens);
      promptTokens = usage.getInteger("prompt_tokens", promptTokens);
      JsonObject details = usage.getJsonObject("prompt_tokens_details");
      if (details != null && details.getValue("cached_tokens") instanceof Number n) {
        cachedTokens = n.intValue();
      }
    }
  }

  private static boolean hasText(JsonObject choice) {
    JsonObject delta = choice.getJsonObject("delta");
    if (delta != null) {
      String content = delta.getString("content");
      return content != null && !content.isEmpty();
    }
    String text = choice.getString("text");
    return text != null && !text.isEmpty();
  }

  /** The result once the body ended (or failed with {@code failure}). */
  public RequestResult finish(Throwable failure) {
    long end = clock.getAsLong() - startNanos;
    String reason = error;
    if (failure != null) {
      reason = failure.getClass().getSimpleName() + ": " + abbreviate(String.valueOf(failure.getMessage()));
    } else if (status != 200) {
      reason = "HTTP " + status + ": " + abbreviate(errorBody.toString());
    } else if (reason == null && !done) {
      reason = "stream ended without [DONE]";
    } else if (reason == null && chunks == 0) {
      reason = "no text generated";
    }
    int outputTokens = completionTokens >= 0 ? completionTokens : chunks;
    return new RequestResult(index, sentAtNanos, status, reason, firstTextNanos, lastTextNanos, end, outputTokens,
        promptTokens, cachedTokens, chunks, worker);
  }

  static String abbreviate(String s) {
    String one = s.replace('\n', ' ');
    return one.length() <= 200 ? one : one.substring(0, 200) + "...";
  }
}

package io.kvroute.gateway.proxy;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

/**
 * One parsed event of the worker's OpenAI completions stream.
 *
 * @param text         newly generated text of choice 0 (empty when none)
 * @param finishReason finish_reason of choice 0, or null
 * @param usage        usage when the chunk carries it, else null
 * @param error        error message when the worker streamed an error object, else null
 */
public record UpstreamChunk(String text, String finishReason, Usage usage, String error) {

  /** Parses one {@code data:} payload (not {@code [DONE]}); a malformed payload is an error chunk. */
  public static UpstreamChunk parse(String data) {
    JsonObject o;
    try {
      o = new JsonObject(data);
    } catch (RuntimeException e) {
      return new UpstreamChunk("", null, null, "malformed chunk from worker");
    }
    Object err = o.getValue("error");
    if (err != null) {
      String msg = err instanceof JsonObject eo ? eo.getString("message", eo.encode()) : String.valueOf(err);
      return new UpstreamChunk("", null, null, msg);
    }
    String text = "";
    String finish = null;
    if (o.getValue("choices") instanceof JsonArray choices && !choices.isEmpty()
        && choices.getValue(0) instanceof JsonObject c0) {
      Object t = c0.getValue("text");
      if (t == null && c0.getValue("delta") instanceof JsonObject delta) {
        t = delta.getValue("content");
      }
      if (t instanceof String s) {
        text = s;
      }
      if (c0.getValue("finish_reason") instanceof String f) {
        finish = f;
      }
    }
    Usage usage = null;
    if (o.getValue("usage") instanceof JsonObject u) {
      int cached = 0;
      if (u.getValue("prompt_tokens_details") instanceof JsonObject d && d.getValue("cached_tokens") instanceof Number n) {
        cached = n.intValue();
      }
      usage = new Usage(intOr(u.getValue("prompt_tokens")), intOr(u.getValue("completion_tokens")), cached);
    }
    return new UpstreamChunk(text, finish, usage, null);
  }

  private static int intOr(Object v) {
    return v instanceof Number n ? n.intValue() : -1;
  }
}

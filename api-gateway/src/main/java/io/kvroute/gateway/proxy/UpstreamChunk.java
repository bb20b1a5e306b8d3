package io.kvroute.gateway.proxy;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadConstraints;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;

/**
 * One parsed event of the worker's OpenAI completions stream.
 *
 * @param text         newly generated text of choice 0 (empty when none)
 * @param finishReason finish_reason of choice 0, or null
 * @param usage        usage when the chunk carries it, else null
 * @param error        error message when the worker streamed an error object, else null
 */
public record UpstreamChunk(String text, String finishReason, Usage usage, String error) {

  /** Streaming reads only: nesting and number lengths capped so hostile worker output stays cheap. */
  private static final JsonFactory FACTORY = JsonFactory.builder()
      .streamReadConstraints(StreamReadConstraints.builder().maxNestingDepth(64).maxNumberLength(64).build())
      .build();
  private static final UpstreamChunk MALFORMED = new UpstreamChunk("", null, null, "malformed chunk from worker");

  /**
   * Parses one {@code data:} payload (not {@code [DONE]}); a malformed payload is an error chunk. This runs once per
   * streamed token, so it reads the few fields it needs with a streaming parser instead of building a tree; the
   * result is the same as {@link #parseTree} (kept for error objects, whose message rules it owns).
   */
  public static UpstreamChunk parse(String data) {
    try (JsonParser p = FACTORY.createParser(data)) {
      if (p.nextToken() != JsonToken.START_OBJECT) {
        return MALFORMED;
      }
      String text = "";
      String finish = null;
      Usage usage = null;
      JsonToken t;
      // duplicate keys: the last one wins, as in the tree
      while ((t = p.nextToken()) == JsonToken.FIELD_NAME) {
        String name = p.currentName();
        JsonToken v = p.nextToken();
        switch (name) {
          case "error" -> {
            if (v != JsonToken.VALUE_NULL) {
              return parseTree(data);
            }
          }
          case "choices" -> {
            String[] c = choice0(p, v);
            text = c[0];
            finish = c[1];
          }
          case "usage" -> usage = v == JsonToken.START_OBJECT ? usage(p) : skip(p);
          default -> p.skipChildren();
        }
      }
      if (t != JsonToken.END_OBJECT || p.nextToken() != null) {
        return MALFORMED;
      }
      return new UpstreamChunk(text, finish, usage, null);
    } catch (IOException | RuntimeException e) {
      return MALFORMED;
    }
  }

  /** {text, finish_reason} of choices[0]; {"", null} when choices is not an array or its first item no object. */
  private static String[] choice0(JsonParser p, JsonToken v) throws IOException {
    String[] out = {"", null};
    if (v != JsonToken.START_ARRAY) {
      p.skipChildren();
      return out;
    }
    JsonToken first = p.nextToken();
    if (first == JsonToken.END_ARRAY) {
      return out;
    }
    if (first == JsonToken.START_OBJECT) {
      boolean hasText = false; // "text" present and not null
      String text = null;
      boolean deltaObject = false;
      String content = null;
      for (JsonToken t = p.nextToken(); t == JsonToken.FIELD_NAME; t = p.nextToken()) {
        String name = p.currentName();
        JsonToken fv = p.nextToken();
        switch (name) {
          case "text" -> {
            hasText = fv != JsonToken.VALUE_NULL;
            text = fv == JsonToken.VALUE_STRING ? p.getText() : null;
            p.skipChildren();
          }
          case "delta" -> {
            deltaObject = fv == JsonToken.START_OBJECT;
            content = deltaObject ? deltaContent(p) : skip(p);
          }
          case "finish_reason" -> {
            out[1] = fv == JsonToken.VALUE_STRING ? p.getText() : null;
            p.skipChildren();
          }
          default -> p.skipChildren();
        }
      }
      if (hasText) {
        out[0] = text == null ? "" : text;
      } else if (deltaObject && content != null) {
        out[0] = content;
      }
    } else {
      p.skipChildren();
    }
    while (p.nextToken() != JsonToken.END_ARRAY) {
      p.skipChildren();
    }
    return out;
  }

  /** delta.content when it is a string, else null; the parser ends on the delta's END_OBJECT. */
  private static String deltaContent(JsonParser p) throws IOException {
    String content = null;
    for (JsonToken t = p.nextToken(); t == JsonToken.FIELD_NAME; t = p.nextToken()) {
      String name = p.currentName();
      JsonToken v = p.nextToken();
      if ("content".equals(name)) {
        content = v == JsonToken.VALUE_STRING ? p.getText() : null;
      }
      p.skipChildren();
    }
    return content;
  }

  private static Usage usage(JsonParser p) throws IOException {
    int prompt = -1;
    int completion = -1;
    int cached = 0;
    for (JsonToken t = p.nextToken(); t == JsonToken.FIELD_NAME; t = p.nextToken()) {
      String name = p.currentName();
      JsonToken v = p.nextToken();
      switch (name) {
        case "prompt_tokens" -> prompt = intOr(p, v);
        case "completion_tokens" -> completion = intOr(p, v);
        case "prompt_tokens_details" -> {
          cached = 0;
          if (v == JsonToken.START_OBJECT) {
            for (JsonToken d = p.nextToken(); d == JsonToken.FIELD_NAME; d = p.nextToken()) {
              String dn = p.currentName();
              JsonToken dv = p.nextToken();
              if ("cached_tokens".equals(dn)) {
                cached = isNumber(dv) ? p.getNumberValue().intValue() : 0;
              }
              p.skipChildren();
            }
          } else {
            p.skipChildren();
          }
        }
        default -> p.skipChildren();
      }
    }
    return new Usage(prompt, completion, cached);
  }

  private static int intOr(JsonParser p, JsonToken v) throws IOException {
    if (isNumber(v)) {
      return p.getNumberValue().intValue();
    }
    p.skipChildren();
    return -1;
  }

  private static boolean isNumber(JsonToken v) {
    return v == JsonToken.VALUE_NUMBER_INT || v == JsonToken.VALUE_NUMBER_FLOAT;
  }

  private static <T> T skip(JsonParser p) throws IOException {
    p.skipChildren();
    return null;
  }

  /** The same parse on a Vert.x JSON tree (reference semantics; used for error objects). */
  static UpstreamChunk parseTree(String data) {
    JsonObject o;
    try {
      o = new JsonObject(data);
    } catch (RuntimeException e) {
      return MALFORMED;
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
      if (u.getValue("prompt_tokens_details") instanceof JsonObject d
          && d.getValue("cached_tokens") instanceof Number n) {
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

package io.kvroute.gateway.api;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Validates OpenAI request bodies into {@link GenerationRequest} / {@link TokenizeRequest}. Every problem is an
 * {@link ApiError} (400, OpenAI shape, {@code param} naming the field), so nothing malformed reaches a worker.
 * Unknown fields are ignored, as the OpenAI SDKs send optional fields we do not implement.
 */
public final class RequestParser {

  /** Roles the chat template understands. */
  public static final Set<String> ROLES = Set.of("system", "developer", "user", "assistant", "tool");

  private static final int MAX_STOP = 16;

  private final String servedModel;

  public RequestParser(String servedModel) {
    this.servedModel = servedModel;
  }

  /** Parses a body that must be a JSON object. */
  public static JsonObject jsonObject(Buffer body) {
    if (body == null || body.length() == 0) {
      throw ApiError.invalid("Request body is empty; expected a JSON object", null);
    }
    Object value;
    try {
      value = io.vertx.core.json.Json.decodeValue(body);
    } catch (DecodeException | IllegalStateException e) {
      throw ApiError.invalid("Request body is not valid JSON", null, "invalid_json");
    }
    if (value instanceof JsonObject obj) {
      return obj;
    }
    if (value instanceof Map<?, ?> map) {
      @SuppressWarnings("unchecked")
      Map<String, Object> m = (Map<String, Object>) map;
      return new JsonObject(m);
    }
    throw ApiError.invalid("Request body must be a JSON object", null, "invalid_json");
  }

  public GenerationRequest chat(JsonObject body) {
    checkModel(body);
    List<Map<String, Object>> messages = messages(body.getValue("messages"), "messages");
    List<Map<String, Object>> tools = tools(body.getValue("tools"));
    Integer maxTokens = optInt(body, "max_completion_tokens", 1);
    if (maxTokens == null) {
      maxTokens = optInt(body, "max_tokens", 1);
    }
    return common(body, Endpoint.CHAT, messages, tools, null, null, maxTokens);
  }

  public GenerationRequest completion(JsonObject body) {
    checkModel(body);
    Object prompt = body.getValue("prompt");
    String text = null;
    int[] tokens = null;
    if (prompt instanceof String s) {
      text = s;
    } else if (prompt instanceof JsonArray arr) {
      if (arr.isEmpty()) {
        throw ApiError.invalid("prompt must not be empty", "prompt");
      }
      Object first = arr.getValue(0);
      if (first instanceof String) {
        text = single(arr, "prompt", String.class);
      } else if (first instanceof JsonArray) {
        tokens = tokenIds(single(arr, "prompt", JsonArray.class), "prompt[0]");
      } else {
        tokens = tokenIds(arr, "prompt");
      }
    } else if (prompt == null) {
      throw ApiError.invalid("prompt is required", "prompt");
    } else {
      throw ApiError.invalid("prompt must be a string, an array of strings or an array of token ids", "prompt");
    }
    if (text != null && text.isEmpty()) {
      throw ApiError.invalid("prompt must not be empty", "prompt");
    }
    if (body.containsKey("echo") && Boolean.TRUE.equals(body.getValue("echo"))) {
      throw ApiError.invalid("echo is not supported", "echo");
    }
    Integer maxTokens = optInt(body, "max_tokens", 1);
    return common(body, Endpoint.COMPLETION, null, null, text, tokens, maxTokens);
  }

  public TokenizeRequest tokenize(JsonObject body) {
    checkModel(body);
    boolean hasPrompt = body.getValue("prompt") != null;
    boolean hasMessages = body.getValue("messages") != null;
    if (hasPrompt == hasMessages) {
      throw ApiError.invalid("exactly one of prompt or messages is required", hasPrompt ? "messages" : "prompt");
    }
    Boolean addGen = optBool(body, "add_generation_prompt");
    if (hasPrompt) {
      Object p = body.getValue("prompt");
      if (!(p instanceof String s)) {
        throw ApiError.invalid("prompt must be a string", "prompt");
      }
      return new TokenizeRequest(s, null, null, false);
    }
    return new TokenizeRequest(null, messages(body.getValue("messages"), "messages"), tools(body.getValue("tools")),
        addGen == null || addGen);
  }

  private GenerationRequest common(JsonObject body, Endpoint endpoint, List<Map<String, Object>> messages,
      List<Map<String, Object>> tools, String text, int[] tokens, Integer maxTokens) {
    Integer n = optInt(body, "n", 1);
    if (n != null && n != 1) {
      throw ApiError.invalid("n > 1 is not supported; send one request per completion", "n");
    }
    Integer bestOf = optInt(body, "best_of", 1);
    if (bestOf != null && bestOf != 1) {
      throw ApiError.invalid("best_of > 1 is not supported", "best_of");
    }
    Boolean stream = optBool(body, "stream");
    boolean includeUsage = false;
    Object so = body.getValue("stream_options");
    if (so != null) {
      if (!(so instanceof JsonObject opts)) {
        throw ApiError.invalid("stream_options must be an object", "stream_options");
      }
      if (stream == null || !stream) {
        throw ApiError.invalid("stream_options is only allowed when stream is true", "stream_options");
      }
      Boolean iu = optBool(opts, "include_usage", "stream_options.include_usage");
      includeUsage = iu != null && iu;
    }
    Double temperature = optNumber(body, "temperature", 0.0, 2.0);
    Double topP = optNumber(body, "top_p", 0.0, 1.0);
    if (topP != null && topP == 0.0) {
      throw ApiError.invalid("top_p must be in (0, 1]", "top_p");
    }
    Long seed = optLong(body, "seed");
    Boolean ignoreEos = optBool(body, "ignore_eos");
    Integer minTokens = optInt(body, "min_tokens", 0);
    if (minTokens != null && maxTokens != null && minTokens > maxTokens) {
      throw ApiError.invalid("min_tokens must not exceed max_tokens", "min_tokens");
    }
    Object user = body.getValue("user");
    if (user != null && !(user instanceof String)) {
      throw ApiError.invalid("user must be a string", "user");
    }
    List<String> stop = stop(body.getValue("stop"));
    SamplingParams sampling = new SamplingParams(maxTokens == null ? 0 : maxTokens, temperature, topP, stop, seed,
        ignoreEos, minTokens);
    return new GenerationRequest(endpoint, messages, tools, text, tokens, stream != null && stream, includeUsage,
        maxTokens != null, sampling, (String) user);
  }

  private void checkModel(JsonObject body) {
    Object model = body.getValue("model");
    if (model == null) {
      return;
    }
    if (!(model instanceof String s)) {
      throw ApiError.invalid("model must be a string", "model");
    }
    if (!s.isEmpty() && !s.equals(servedModel)) {
      throw ApiError.notFound("The model `" + s + "` does not exist.", "model_not_found");
    }
  }

  /** Messages as plain maps with string content (text parts joined), roles checked. */
  static List<Map<String, Object>> messages(Object value, String param) {
    if (!(value instanceof JsonArray arr)) {
      throw ApiError.invalid(value == null ? "messages is required" : "messages must be an array", param);
    }
    if (arr.isEmpty()) {
      throw ApiError.invalid("messages must contain at least one message", param);
    }
    List<Map<String, Object>> out = new ArrayList<>(arr.size());
    for (int i = 0; i < arr.size(); i++) {
      String p = param + "[" + i + "]";
      if (!(arr.getValue(i) instanceof JsonObject m)) {
        throw ApiError.invalid("each message must be an object", p);
      }
      Object role = m.getValue("role");
      if (!(role instanceof String r)) {
        throw ApiError.invalid("message role must be a string", p + ".role");
      }
      if (!ROLES.contains(r)) {
        throw ApiError.invalid("unknown message role '" + r + "'; expected one of system, developer, user, "
            + "assistant, tool", p + ".role");
      }
      Map<String, Object> msg = plainMap(m);
      Object content = m.getValue("content");
      if (content instanceof JsonArray parts) {
        msg.put("content", joinTextParts(parts, p + ".content"));
      } else if (content == null) {
        if (!"assistant".equals(r) || m.getValue("tool_calls") == null) {
          throw ApiError.invalid("message content is required", p + ".content");
        }
      } else if (!(content instanceof String)) {
        throw ApiError.invalid("message content must be a string or an array of text parts", p + ".content");
      }
      if ("developer".equals(r)) {
        msg.put("role", "system");
      }
      decodeToolCallArguments(msg, p);
      out.add(msg);
    }
    return out;
  }

  /**
   * OpenAI clients send {@code tool_calls[].function.arguments} as a JSON string; the chat template prints it with
   * {@code tojson}, so a string would be rendered double-encoded. Like vLLM, decode it into an object first.
   */
  @SuppressWarnings("unchecked")
  private static void decodeToolCallArguments(Map<String, Object> msg, String param) {
    if (!(msg.get("tool_calls") instanceof List<?> calls)) {
      return;
    }
    for (int i = 0; i < calls.size(); i++) {
      if (calls.get(i) instanceof Map<?, ?> call && call.get("function") instanceof Map<?, ?> fn
          && fn.get("arguments") instanceof String args) {
        Object decoded;
        try {
          decoded = io.vertx.core.json.Json.decodeValue(args);
        } catch (io.vertx.core.json.DecodeException e) {
          throw ApiError.invalid("tool call arguments must be a JSON object encoded as a string",
              param + ".tool_calls[" + i + "].function.arguments");
        }
        ((Map<String, Object>) fn).put("arguments", plain(decoded));
      }
    }
  }

  private static String joinTextParts(JsonArray parts, String param) {
    StringBuilder sb = new StringBuilder();
    for (int i = 0; i < parts.size(); i++) {
      if (!(parts.getValue(i) instanceof JsonObject part) || !"text".equals(part.getValue("type"))
          || !(part.getValue("text") instanceof String t)) {
        throw ApiError.invalid("only text content parts ({\"type\":\"text\",\"text\":...}) are supported",
            param + "[" + i + "]");
      }
      if (i > 0) {
        sb.append('\n');
      }
      sb.append(t);
    }
    return sb.toString();
  }

  static List<Map<String, Object>> tools(Object value) {
    if (value == null) {
      return null;
    }
    if (!(value instanceof JsonArray arr)) {
      throw ApiError.invalid("tools must be an array", "tools");
    }
    List<Map<String, Object>> out = new ArrayList<>(arr.size());
    for (int i = 0; i < arr.size(); i++) {
      if (!(arr.getValue(i) instanceof JsonObject t)) {
        throw ApiError.invalid("each tool must be an object", "tools[" + i + "]");
      }
      out.add(plainMap(t));
    }
    return out.isEmpty() ? null : out;
  }

  private static int[] tokenIds(JsonArray arr, String param) {
    if (arr.isEmpty()) {
      throw ApiError.invalid("prompt must not be empty", param);
    }
    int[] out = new int[arr.size()];
    List<?> raw = arr.getList(); // raw values: getValue(i) would wrap every element
    for (int i = 0; i < out.length; i++) {
      Object v = raw.get(i);
      if (v instanceof Integer n && n >= 0) {
        out[i] = n; // the common case; the element's parameter name is only built for an error
        continue;
      }
      long id = integral(v, param + "[" + i + "]");
      if (id < 0 || id > Integer.MAX_VALUE) {
        throw ApiError.invalid("token ids must be non-negative 32-bit integers", param + "[" + i + "]");
      }
      out[i] = (int) id;
    }
    return out;
  }

  private static <T> T single(JsonArray arr, String param, Class<T> type) {
    if (arr.size() != 1) {
      throw ApiError.invalid("batched prompts are not supported; send one prompt per request", param);
    }
    Object v = arr.getValue(0);
    if (!type.isInstance(v)) {
      throw ApiError.invalid("prompt must be a string, an array of strings or an array of token ids", param);
    }
    return type.cast(v);
  }

  private static List<String> stop(Object value) {
    if (value == null) {
      return null;
    }
    if (value instanceof String s) {
      return List.of(s);
    }
    if (value instanceof JsonArray arr) {
      if (arr.size() > MAX_STOP) {
        throw ApiError.invalid("at most " + MAX_STOP + " stop sequences are supported", "stop");
      }
      List<String> out = new ArrayList<>(arr.size());
      for (int i = 0; i < arr.size(); i++) {
        if (!(arr.getValue(i) instanceof String s)) {
          throw ApiError.invalid("stop must be a string or an array of strings", "stop");
        }
        out.add(s);
      }
      return out.isEmpty() ? null : List.copyOf(out);
    }
    throw ApiError.invalid("stop must be a string or an array of strings", "stop");
  }

  private static Integer optInt(JsonObject body, String name, int min) {
    Object v = body.getValue(name);
    if (v == null) {
      return null;
    }
    long l = integral(v, name);
    if (l < min || l > Integer.MAX_VALUE) {
      throw ApiError.invalid(name + " must be an integer >= " + min, name);
    }
    return (int) l;
  }

  private static Long optLong(JsonObject body, String name) {
    Object v = body.getValue(name);
    return v == null ? null : integral(v, name);
  }

  private static long integral(Object v, String param) {
    if (v instanceof Integer || v instanceof Long || v instanceof Short || v instanceof Byte) {
      return ((Number) v).longValue();
    }
    if (v instanceof BigInteger b && b.bitLength() < 64) {
      return b.longValue();
    }
    if (v instanceof Double || v instanceof Float || v instanceof BigDecimal) {
      double d = ((Number) v).doubleValue();
      if (d == Math.rint(d) && Math.abs(d) < 9.0e15) {
        return (long) d;
      }
    }
    throw ApiError.invalid(param + " must be an integer", param);
  }

  private static Double optNumber(JsonObject body, String name, double min, double max) {
    Object v = body.getValue(name);
    if (v == null) {
      return null;
    }
    if (!(v instanceof Number n)) {
      throw ApiError.invalid(name + " must be a number", name);
    }
    double d = n.doubleValue();
    if (!(d >= min && d <= max)) {
      throw ApiError.invalid(name + " must be between " + min + " and " + max, name);
    }
    return d;
  }

  private static Boolean optBool(JsonObject body, String name) {
    return optBool(body, name, name);
  }

  private static Boolean optBool(JsonObject body, String name, String param) {
    Object v = body.getValue(name);
    if (v == null) {
      return null;
    }
    if (!(v instanceof Boolean b)) {
      throw ApiError.invalid(param + " must be a boolean", param);
    }
    return b;
  }

  /** Deep copy into LinkedHashMap / ArrayList (key order kept: the chat template prints tools as JSON). */
  static Map<String, Object> plainMap(JsonObject obj) {
    Map<String, Object> out = new LinkedHashMap<>();
    for (Map.Entry<String, Object> e : obj) {
      out.put(e.getKey(), plain(e.getValue()));
    }
    return out;
  }

  private static Object plain(Object v) {
    if (v instanceof JsonObject o) {
      return plainMap(o);
    }
    if (v instanceof JsonArray a) {
      List<Object> list = new ArrayList<>(a.size());
      for (Object x : a) {
        list.add(plain(x));
      }
      return list;
    }
    return v;
  }
}

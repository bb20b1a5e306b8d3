package io.kvroute.common.tokenizer;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Checks a conversation before it reaches the template and copies it into plain ordered maps and lists.
 *
 * <p>HF hands the template whatever it gets; with the Qwen2.5 template a message without a role silently
 * disappears and a non-string content raises a Python TypeError. We reject both up front with a message a client
 * can act on. The copy converts Vert.x {@link JsonObject}/{@link JsonArray} values, keeps key order (it is
 * rendered by {@code tojson}) and protects the caller's maps from a template that mutates its inputs.
 */
final class ChatMessages {

  private ChatMessages() {}

  static List<Object> validateMessages(List<? extends Map<String, ?>> messages) throws ChatTemplateException {
    if (messages == null || messages.isEmpty()) {
      throw new ChatTemplateException("messages must be a non-empty array");
    }
    List<Object> out = new ArrayList<>(messages.size());
    for (int i = 0; i < messages.size(); i++) {
      Object raw = messages.get(i);
      if (!(raw instanceof Map<?, ?>) && !(raw instanceof JsonObject)) {
        throw new ChatTemplateException("messages[" + i + "] must be an object");
      }
      @SuppressWarnings("unchecked")
      Map<String, Object> message = (Map<String, Object>) copy(raw, 0);
      Object role = message.get("role");
      if (!(role instanceof String r) || r.isEmpty()) {
        throw new ChatTemplateException("messages[" + i + "].role is required and must be a string");
      }
      Object toolCalls = message.get("tool_calls");
      boolean hasToolCalls = toolCalls instanceof List<?> list && !list.isEmpty();
      if (toolCalls != null && !(toolCalls instanceof List<?>)) {
        throw new ChatTemplateException("messages[" + i + "].tool_calls must be an array");
      }
      if (toolCalls instanceof List<?> list) {
        for (int k = 0; k < list.size(); k++) {
          validateToolCall(list.get(k), "messages[" + i + "].tool_calls[" + k + "]");
        }
      }
      Object content = message.get("content");
      if (content == null) {
        if (!("assistant".equals(r) && hasToolCalls)) {
          throw new ChatTemplateException("messages[" + i + "].content is required for role '" + r
              + "' (only an assistant message with tool_calls may omit it)");
        }
      } else if (!(content instanceof String)) {
        throw new ChatTemplateException("messages[" + i + "].content must be a string for this model's chat"
            + " template (join text parts into one string)");
      }
      out.add(message);
    }
    return out;
  }

  private static void validateToolCall(Object call, String where) throws ChatTemplateException {
    if (!(call instanceof Map<?, ?> map)) {
      throw new ChatTemplateException(where + " must be an object");
    }
    Object function = map.containsKey("function") ? map.get("function") : map;
    if (!(function instanceof Map<?, ?> fn) || !(fn.get("name") instanceof String)) {
      throw new ChatTemplateException(where + ".function.name is required and must be a string");
    }
  }

  static List<Object> validateTools(List<? extends Map<String, ?>> tools) throws ChatTemplateException {
    if (tools == null) {
      return null;
    }
    List<Object> out = new ArrayList<>(tools.size());
    for (int i = 0; i < tools.size(); i++) {
      Object tool = tools.get(i);
      if (!(tool instanceof Map<?, ?>) && !(tool instanceof JsonObject)) {
        throw new ChatTemplateException("tools[" + i + "] must be an object");
      }
      out.add(copy(tool, 0));
    }
    return out;
  }

  /** Deep copy into LinkedHashMap/ArrayList; JSON scalars are kept as they are. */
  static Object copy(Object value, int depth) throws ChatTemplateException {
    if (depth > 64) {
      throw new ChatTemplateException("message nested too deeply");
    }
    if (value instanceof JsonObject json) {
      value = json.getMap();
    } else if (value instanceof JsonArray json) {
      value = json.getList();
    }
    if (value instanceof Map<?, ?> map) {
      Map<String, Object> out = new LinkedHashMap<>(Math.max(4, map.size() * 2));
      for (Map.Entry<?, ?> e : map.entrySet()) {
        out.put(String.valueOf(e.getKey()), copy(e.getValue(), depth + 1));
      }
      return out;
    }
    if (value instanceof List<?> list) {
      List<Object> out = new ArrayList<>(list.size());
      for (Object item : list) {
        out.add(copy(item, depth + 1));
      }
      return out;
    }
    return value;
  }
}

package io.kvroute.gateway.proxy;

import io.kvroute.common.codec.JsonStrings;
import io.kvroute.gateway.api.Endpoint;

/**
 * Renders one request's OpenAI output: SSE chunks ({@code chat.completion.chunk} or {@code text_completion}) and
 * the non-streamed response object. The constant head of every chunk is built once per request.
 */
public final class ChunkFormatter {

  /** The stream terminator. */
  public static final String DONE = "data: [DONE]\n\n";

  private final Endpoint endpoint;
  private final String id;
  private final long created;
  private final String model;
  private final boolean usageField;
  /** {@code data: {"id":..,"object":..,"created":..,"model":..,"choices":[} */
  private final String head;

  /**
   * @param usageField streamed with include_usage: every chunk carries {@code "usage":null} as OpenAI does
   */
  public ChunkFormatter(Endpoint endpoint, String id, long createdEpochSeconds, String model, boolean usageField) {
    this.endpoint = endpoint;
    this.id = id;
    this.created = createdEpochSeconds;
    this.model = model;
    this.usageField = usageField;
    StringBuilder sb = new StringBuilder(128).append("data: ");
    this.head = objectHead(sb, endpoint.chunkObject()).append("\"choices\":[").toString();
  }

  public String id() {
    return id;
  }

  /** Chat only: the first chunk, {@code delta:{"role":"assistant","content":""}}. */
  public String roleChunk() {
    return chunk("{\"role\":\"assistant\",\"content\":\"\"}", null);
  }

  /** A chunk carrying generated text. */
  public String textChunk(String text) {
    StringBuilder sb = new StringBuilder(head.length() + text.length() + 96).append(head);
    if (endpoint == Endpoint.CHAT) {
      sb.append("{\"index\":0,\"delta\":{\"content\":");
      JsonStrings.appendQuoted(sb, text).append("},\"logprobs\":null,\"finish_reason\":null}]");
    } else {
      sb.append("{\"index\":0,\"text\":");
      JsonStrings.appendQuoted(sb, text).append(",\"logprobs\":null,\"finish_reason\":null}]");
    }
    return tail(sb);
  }

  /** The chunk with the finish reason (empty delta / text). */
  public String finishChunk(String finishReason) {
    return chunk(endpoint == Endpoint.CHAT ? "{}" : null, finishReason);
  }

  /** The usage chunk sent before [DONE] when include_usage is set: {@code choices:[]}. */
  public String usageChunk(Usage usage) {
    StringBuilder sb = new StringBuilder(head.length() + 160).append(head).append("],\"usage\":");
    usage.appendJson(sb);
    return sb.append("}\n\n").toString();
  }

  /** An error event sent when the worker fails after the first byte. */
  public static String errorEvent(String message, String type, String code) {
    StringBuilder sb = new StringBuilder(96 + message.length()).append("data: {\"error\":{\"message\":");
    JsonStrings.appendQuoted(sb, message).append(",\"type\":");
    JsonStrings.appendQuoted(sb, type).append(",\"param\":null,\"code\":");
    JsonStrings.appendQuoted(sb, code).append("}}\n\n");
    return sb.toString();
  }

  /** The non-streamed response object. */
  public String fullResponse(String text, String finishReason, Usage usage) {
    StringBuilder sb = new StringBuilder(text.length() + 320);
    objectHead(sb, endpoint.object()).append("\"choices\":[{\"index\":0,");
    if (endpoint == Endpoint.CHAT) {
      sb.append("\"message\":{\"role\":\"assistant\",\"content\":");
      JsonStrings.appendQuoted(sb, text).append("},");
    } else {
      sb.append("\"text\":");
      JsonStrings.appendQuoted(sb, text).append(',');
    }
    sb.append("\"logprobs\":null,\"finish_reason\":");
    JsonStrings.appendQuoted(sb, finishReason).append("}],\"usage\":");
    usage.appendJson(sb);
    return sb.append('}').toString();
  }

  private String chunk(String delta, String finishReason) {
    StringBuilder sb = new StringBuilder(head.length() + 96).append(head).append("{\"index\":0,");
    if (endpoint == Endpoint.CHAT) {
      sb.append("\"delta\":").append(delta).append(',');
    } else {
      sb.append("\"text\":\"\",");
    }
    sb.append("\"logprobs\":null,\"finish_reason\":");
    JsonStrings.appendQuoted(sb, finishReason).append("}]");
    return tail(sb);
  }

  private String tail(StringBuilder sb) {
    if (usageField) {
      sb.append(",\"usage\":null");
    }
    return sb.append("}\n\n").toString();
  }

  private StringBuilder objectHead(StringBuilder sb, String object) {
    sb.append("{\"id\":");
    JsonStrings.appendQuoted(sb, id).append(",\"object\":\"").append(object).append("\",\"created\":").append(created)
        .append(",\"model\":");
    return JsonStrings.appendQuoted(sb, model).append(',');
  }
}

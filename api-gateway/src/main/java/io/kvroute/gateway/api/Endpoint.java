package io.kvroute.gateway.api;

/** The two generation endpoints; they differ only in input (messages vs prompt) and output object names. */
public enum Endpoint {
  CHAT("chat", "chatcmpl-", "chat.completion", "chat.completion.chunk"),
  COMPLETION("completions", "cmpl-", "text_completion", "text_completion");

  private final String label;
  private final String idPrefix;
  private final String object;
  private final String chunkObject;

  Endpoint(String label, String idPrefix, String object, String chunkObject) {
    this.label = label;
    this.idPrefix = idPrefix;
    this.object = object;
    this.chunkObject = chunkObject;
  }

  /** Metric label. */
  public String label() {
    return label;
  }

  public String idPrefix() {
    return idPrefix;
  }

  /** {@code object} of a non-streamed response. */
  public String object() {
    return object;
  }

  /** {@code object} of a streamed chunk. */
  public String chunkObject() {
    return chunkObject;
  }
}

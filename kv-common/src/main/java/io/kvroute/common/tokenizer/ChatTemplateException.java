package io.kvroute.common.tokenizer;

/**
 * A conversation the model's chat template cannot render: a message without a role, content of the wrong type,
 * a template that calls {@code raise_exception(...)}, or a template error. The message is user-facing (safe to
 * return in an HTTP 400 body). Stackless, because bad requests are expected and must not fill logs with traces.
 */
public final class ChatTemplateException extends Exception {

  private static final long serialVersionUID = 1L;

  public ChatTemplateException(String message) {
    super(message, null, false, false);
  }
}

package io.kvroute.common.codec;

/**
 * Malformed input on a wire. Checked, so that every decoder's caller decides to count and drop; stackless,
 * because bad input is expected and must never produce stack traces in logs.
 */
public final class DecodeException extends Exception {

  private static final long serialVersionUID = 1L;

  public DecodeException(String message) {
    super(message, null, false, false);
  }

  public DecodeException(String message, Throwable cause) {
    super(message + (cause == null ? "" : ": " + cause), null, false, false);
  }
}

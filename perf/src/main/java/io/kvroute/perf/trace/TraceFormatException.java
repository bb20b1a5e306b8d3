package io.kvroute.perf.trace;

/** A trace line that is not a valid Mooncake record; the message names the line. */
public final class TraceFormatException extends Exception {
  private static final long serialVersionUID = 1L;

  public TraceFormatException(String message) {
    super(message, null, false, false);
  }
}

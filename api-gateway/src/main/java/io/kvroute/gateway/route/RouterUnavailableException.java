package io.kvroute.gateway.route;

/** Every router failed at the connection level (refused, reset, timeout). Stackless. */
public final class RouterUnavailableException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public RouterUnavailableException(String message) {
    super(message, null, false, false);
  }
}

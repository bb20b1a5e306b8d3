package io.kvroute.gateway.api;

import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerResponse;

/** Writes {@link ApiError}s: the status, Retry-After when set, and the OpenAI error JSON body. */
public final class ErrorResponder {

  private static final CharSequence APPLICATION_JSON = HttpHeaders.createOptimized("application/json");
  private static final CharSequence RETRY_AFTER = HttpHeaders.createOptimized("Retry-After");

  private ErrorResponder() {
  }

  /** Sends the error unless the response already ended or its client went away. */
  public static void send(HttpServerResponse response, ApiError error) {
    if (response.ended() || response.closed()) {
      return;
    }
    if (response.headWritten()) {
      // Only reachable if a stream was already started; the caller should have sent an SSE error event instead.
      response.end();
      return;
    }
    response.setStatusCode(error.status()).putHeader(HttpHeaders.CONTENT_TYPE, APPLICATION_JSON);
    if (error.retryAfterSeconds() > 0) {
      response.putHeader(RETRY_AFTER, Integer.toString(error.retryAfterSeconds()));
    }
    if (error.status() == 401) {
      response.putHeader("WWW-Authenticate", "Bearer");
    }
    response.end(error.toJson().toBuffer());
  }
}

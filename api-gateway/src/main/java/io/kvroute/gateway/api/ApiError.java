package io.kvroute.gateway.api;

import io.vertx.core.json.JsonObject;

/**
 * An expected failure answered in the OpenAI error shape {@code {"error":{"message","type","param","code"}}} with
 * an HTTP status. Stackless: these are flow control, not bugs.
 */
public final class ApiError extends RuntimeException {
  private static final long serialVersionUID = 1L;

  private final int status;
  private final String type;
  private final String param;
  private final String code;
  private final int retryAfterSeconds;

  public ApiError(int status, String type, String message, String param, String code, int retryAfterSeconds) {
    super(message, null, false, false);
    this.status = status;
    this.type = type;
    this.param = param;
    this.code = code;
    this.retryAfterSeconds = retryAfterSeconds;
  }

  /** 400 invalid_request_error about one parameter. */
  public static ApiError invalid(String message, String param) {
    return new ApiError(400, "invalid_request_error", message, param, null, 0);
  }

  /** 400 invalid_request_error with a machine-readable code. */
  public static ApiError invalid(String message, String param, String code) {
    return new ApiError(400, "invalid_request_error", message, param, code, 0);
  }

  public static ApiError unauthorized() {
    return new ApiError(401, "invalid_request_error", "Incorrect API key provided.", null, "invalid_api_key", 0);
  }

  public static ApiError notFound(String message, String code) {
    return new ApiError(404, "invalid_request_error", message, null, code, 0);
  }

  public static ApiError tooLarge(long limit) {
    return new ApiError(413, "invalid_request_error", "Request body too large (limit " + limit + " bytes)", null,
        "request_too_large", 0);
  }

  /** 503 with Retry-After: nothing can serve the request right now. */
  public static ApiError unavailable(String message, String code) {
    return new ApiError(503, "service_unavailable", message, null, code, 1);
  }

  /** 502: a worker failed and the retries are used up. */
  public static ApiError badGateway(String message) {
    return new ApiError(502, "server_error", message, null, "upstream_error", 0);
  }

  public static ApiError internal(String message) {
    return new ApiError(500, "server_error", message, null, null, 0);
  }

  public int status() {
    return status;
  }

  public String type() {
    return type;
  }

  public String param() {
    return param;
  }

  public String code() {
    return code;
  }

  /** Seconds for the Retry-After header; 0 = no header. */
  public int retryAfterSeconds() {
    return retryAfterSeconds;
  }

  /** The OpenAI error body. */
  public JsonObject toJson() {
    JsonObject err = new JsonObject()
        .put("message", getMessage())
        .put("type", type)
        .put("param", param)
        .put("code", code);
    return new JsonObject().put("error", err);
  }
}

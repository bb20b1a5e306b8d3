package io.kvroute.router.http;

/**
 * An expected HTTP failure, rendered by the API's failure handler as {@code {"error":{"message","type","code"}}}
 * (or {@code {"detail": message}} for the reference-compatible endpoints). Stackless: bad input is routine.
 */
public final class ApiException extends RuntimeException {

  private static final long serialVersionUID = 1L;

  private final int status;
  private final String type;
  private final String code;
  private final boolean referenceShape;
  private final Integer retryAfterSeconds;

  private ApiException(int status, String type, String code, String message, boolean referenceShape,
      Integer retryAfterSeconds) {
    super(message, null, false, false);
    this.status = status;
    this.type = type;
    this.code = code;
    this.referenceShape = referenceShape;
    this.retryAfterSeconds = retryAfterSeconds;
  }

  public static ApiException badRequest(String code, String message) {
    return new ApiException(400, "invalid_request_error", code, message, false, null);
  }

  public static ApiException notFound(String code, String message) {
    return new ApiException(404, "not_found_error", code, message, false, null);
  }

  public static ApiException noWorker(String message) {
    return new ApiException(503, "service_unavailable", "no_eligible_worker", message, false, 1);
  }

  /** The reference router's {@code {"detail": ...}} error shape. */
  public static ApiException reference(int status, String message) {
    return new ApiException(status, status == 503 ? "service_unavailable" : "invalid_request_error",
        status == 503 ? "no_eligible_worker" : "invalid_request", message, true, status == 503 ? 1 : null);
  }

  /** The same error in the reference shape. */
  public ApiException asReference() {
    return new ApiException(status, type, code, getMessage(), true, retryAfterSeconds);
  }

  public int status() {
    return status;
  }

  public String type() {
    return type;
  }

  public String code() {
    return code;
  }

  public boolean referenceShape() {
    return referenceShape;
  }

  public Integer retryAfterSeconds() {
    return retryAfterSeconds;
  }
}

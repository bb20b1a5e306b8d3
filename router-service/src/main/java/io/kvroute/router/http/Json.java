package io.kvroute.router.http;

import io.vertx.core.MultiMap;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.JsonObject;

/** Small JSON writing helpers for hand-built hot-path responses. */
final class Json {

  static final CharSequence APPLICATION_JSON = HttpHeaders.createOptimized("application/json");
  static final CharSequence TEXT_PLAIN = HttpHeaders.createOptimized("text/plain; version=0.0.4; charset=utf-8");

  private Json() {
  }

  /** Appends {@code s} as a JSON string literal (null → {@code null}). */
  static StringBuilder string(StringBuilder sb, String s) {
    if (s == null) {
      return sb.append("null");
    }
    sb.append('"');
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      switch (c) {
        case '"' -> sb.append("\\\"");
        case '\\' -> sb.append("\\\\");
        case '\n' -> sb.append("\\n");
        case '\r' -> sb.append("\\r");
        case '\t' -> sb.append("\\t");
        default -> {
          if (c < 0x20) {
            sb.append(String.format("\\u%04x", (int) c));
          } else {
            sb.append(c);
          }
        }
      }
    }
    return sb.append('"');
  }

  static void send(HttpServerResponse response, int status, String json) {
    response.setStatusCode(status);
    MultiMap h = response.headers();
    h.set(HttpHeaders.CONTENT_TYPE, APPLICATION_JSON);
    response.end(json);
  }

  static void send(HttpServerResponse response, int status, JsonObject json) {
    send(response, status, json.encode());
  }
}

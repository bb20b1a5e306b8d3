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

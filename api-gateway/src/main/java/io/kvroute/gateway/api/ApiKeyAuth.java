package io.kvroute.gateway.api;

import io.vertx.core.Handler;
import io.vertx.core.http.HttpHeaders;
import io.vertx.ext.web.RoutingContext;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.List;
import java.util.Set;

/** Bearer API-key check; with no keys configured every request passes. Keys are compared in constant time. */
public final class ApiKeyAuth implements Handler<RoutingContext> {

  private final List<byte[]> keys;

  public ApiKeyAuth(Set<String> keys) {
    this.keys = keys.stream().map(k -> k.getBytes(StandardCharsets.UTF_8)).toList();
  }

  public boolean enabled() {
    return !keys.isEmpty();
  }

  @Override
  public void handle(RoutingContext ctx) {
    if (keys.isEmpty() || accepted(ctx.request().getHeader(HttpHeaders.AUTHORIZATION))) {
      ctx.next();
    } else {
      ctx.fail(ApiError.unauthorized());
    }
  }

  boolean accepted(String header) {
    if (header == null || header.length() < 7 || !header.regionMatches(true, 0, "Bearer ", 0, 7)) {
      return false;
    }
    byte[] given = header.substring(7).trim().getBytes(StandardCharsets.UTF_8);
    boolean ok = false;
    for (byte[] k : keys) {
      ok |= MessageDigest.isEqual(k, given);
    }
    return ok;
  }
}

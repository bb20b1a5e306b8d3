package io.kvroute.router.http;

import io.vertx.core.http.HttpHeaders;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;

/** {@code /health}, {@code /ready}, {@code /metrics}. */
final class OpsHandlers {

  private final ApiContext api;

  OpsHandlers(ApiContext api) {
    this.api = api;
  }

  void health(RoutingContext ctx) {
    Json.send(ctx.response(), 200, "{\"status\":\"ok\"}");
  }

  /** 200 when every live worker is bootstrapped (or there are none), else 503. */
  void ready(RoutingContext ctx) {
    boolean ready = api.ready();
    int workers = api.registry().all().size();
    int eligible = api.registry().candidates(null).size();
    Json.send(ctx.response(), ready ? 200 : 503, new JsonObject().put("ready", ready).put("workers", workers)
        .put("eligible_targets", eligible).put("block_size", api.blockSize()));
  }

  void metrics(RoutingContext ctx) {
    String text = api.metrics().scrape();
    ctx.response().putHeader(HttpHeaders.CONTENT_TYPE, Json.TEXT_PLAIN).end(text);
  }
}

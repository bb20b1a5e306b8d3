package io.kvroute.router.http;

import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import io.vertx.ext.web.handler.HttpException;
import java.util.Arrays;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The router's HTTP API on {@code --router-port}. Several instances share the port (one per event loop); all of
 * them use the same {@link ApiContext}. Errors are JSON: {@code {"error":{"message","type","code"}}}, or the
 * reference {@code {"detail": ...}} shape on the reference endpoints.
 */
public final class HttpApiVerticle extends VerticleBase {

  private static final Logger LOG = LoggerFactory.getLogger(HttpApiVerticle.class);
  private static final String REQUESTS_PREFIX = "/v1/requests/";
  private static final String FIRST_TOKEN_SUFFIX = "/first_token";

  private final ApiContext api;
  private final String host;
  private final int port;
  private HttpServer server;
  private RoutingHandlers routing;
  private Router router;

  public HttpApiVerticle(ApiContext api, String host, int port) {
    this.api = api;
    this.host = host;
    this.port = port;
  }

  @Override
  public Future<?> start() {
    RoutingHandlers routing = new RoutingHandlers(api);
    this.routing = routing;
    WorkerHandlers workers = new WorkerHandlers(api);
    DebugHandlers debug = new DebugHandlers(api);
    OpsHandlers ops = new OpsHandlers(api);
    BodyHandler body = BodyHandler.create(false).setBodyLimit(api.maxBodyBytes());
    Router router = Router.router(vertx);
    this.router = router;

    // Reference-compatible routing API
    router.post("/find_best_worker").handler(body).handler(routing::findBestWorker);
    router.get("/debug/tree_info").handler(debug::treeInfo);
    router.post("/debug/inject_event").handler(body).handler(debug::injectEvent);

    // Routing and request lifecycle
    router.post("/v1/route").handler(body).handler(routing::route);
    router.post("/v1/score").handler(body).handler(routing::score);
    router.post("/v1/requests/:id/first_token").handler(routing::firstToken);
    router.delete("/v1/requests/:id").handler(routing::release);
    router.post("/debug/hash").handler(body).handler(routing::hash);

    // Workers
    router.post("/v1/workers").handler(body).handler(workers::register);
    router.get("/v1/workers").handler(workers::list);
    router.get("/v1/workers/:id").handler(workers::get);
    router.delete("/v1/workers/:id").handler(workers::remove);
    router.post("/v1/workers/:id/drain").handler(body).handler(workers::drain);

    // Operations
    router.get("/health").handler(ops::health);
    router.get("/ready").handler(ops::ready);
    router.get("/metrics").handler(ops::metrics);

    router.route().failureHandler(this::failure);
    router.errorHandler(404, ctx -> error(ctx, 404, "not_found_error", "not_found",
        "no route for " + ctx.request().method() + " " + ctx.request().path()));
    router.errorHandler(405, ctx -> error(ctx, 405, "invalid_request_error", "method_not_allowed",
        "method " + ctx.request().method() + " not allowed on " + ctx.request().path()));

    HttpServerOptions options = new HttpServerOptions().setHost(host).setPort(port).setTcpNoDelay(true)
        .setCompressionSupported(false).setIdleTimeout(0);
    server = vertx.createHttpServer(options).requestHandler(this::dispatch);
    return server.listen();
  }

  /**
   * {@code POST /v1/route} and {@code POST /find_best_worker} with a Content-Length within the limit take a direct
   * path (no routing context, no body handler): they are the hot path. Everything else, including oversize or
   * chunked bodies, goes through the router.
   */
  private void dispatch(HttpServerRequest req) {
    if (requestLifecycle(req)) {
      return;
    }
    if (req.method() == HttpMethod.POST) {
      String path = req.path();
      boolean route = "/v1/route".equals(path);
      if (route || "/find_best_worker".equals(path)) {
        long length = contentLength(req);
        if (length >= 0 && length <= api.maxBodyBytes()) {
          readBody(req, (int) length, body ->
              answer(req.response(), path, () -> route ? routing.routeJson(body) : routing.findBestWorkerJson(body)));
          return;
        }
      }
    }
    router.handle(req);
  }

  /**
   * Reads a body of the announced {@code length} chunk by chunk into one array of exactly that size: one copy, no
   * growing aggregate buffer and no second copy out of it (what {@code req.body()} costs). The HTTP decoder never
   * delivers more bytes than Content-Length; a shorter body (connection closed early) never reaches the end handler.
   */
  private static void readBody(HttpServerRequest req, int length, Consumer<byte[]> then) {
    byte[] body = new byte[length];
    int[] filled = {0};
    req.handler(chunk -> {
      int n = Math.min(chunk.length(), length - filled[0]);
      chunk.getBytes(0, n, body, filled[0]);
      filled[0] += n;
    });
    req.endHandler(v -> then.accept(filled[0] == length ? body : Arrays.copyOf(body, filled[0])));
  }

  /**
   * {@code POST /v1/requests/{id}/first_token} and {@code DELETE /v1/requests/{id}} (two calls per routed request)
   * also skip the web router when the id is a plain token (no escapes): same answers, same errors.
   */
  private boolean requestLifecycle(HttpServerRequest req) {
    HttpMethod method = req.method();
    if (method != HttpMethod.POST && method != HttpMethod.DELETE) {
      return false;
    }
    String path = req.path();
    if (path == null || !path.startsWith(REQUESTS_PREFIX) || req.query() != null) {
      return false;
    }
    int idEnd = method == HttpMethod.POST ? path.length() - FIRST_TOKEN_SUFFIX.length() : path.length();
    if (idEnd <= REQUESTS_PREFIX.length() || method == HttpMethod.POST && !path.endsWith(FIRST_TOKEN_SUFFIX)) {
      return false;
    }
    for (int i = REQUESTS_PREFIX.length(); i < idEnd; i++) {
      char c = path.charAt(i);
      if (!(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_'
          || c == '.')) {
        return false;
      }
    }
    String id = path.substring(REQUESTS_PREFIX.length(), idEnd);
    HttpServerResponse response = req.response();
    // answered at once, the body (if any) ignored: as on the routed path, which has no body handler here
    try {
      Json.send(response, 200, method == HttpMethod.POST ? routing.firstTokenJson(id) : routing.releaseJson(id));
    } catch (ApiException e) {
      apiError(response, "/v1/requests", e);
    } catch (RuntimeException e) {
      LOG.error("request failed method={} path={} error=\"{}\"", method, path, e.toString(), e);
      api.metrics().httpError("/v1/requests", 500);
      error(response, 500, "internal_error", "internal_error", "internal error");
    }
    return true;
  }

  private void answer(HttpServerResponse response, String path, java.util.function.Supplier<String> work) {
    try {
      Json.send(response, 200, work.get());
    } catch (ApiException e) {
      apiError(response, path, e);
    } catch (RuntimeException e) {
      LOG.error("request failed method=POST path={} error=\"{}\"", path, e.toString(), e);
      api.metrics().httpError(path, 500);
      error(response, 500, "internal_error", "internal_error", "internal error");
    }
  }

  private static long contentLength(HttpServerRequest req) {
    String v = req.getHeader(HttpHeaders.CONTENT_LENGTH);
    if (v == null) {
      return -1;
    }
    try {
      return Long.parseLong(v.trim());
    } catch (NumberFormatException e) {
      return -1;
    }
  }

  /** The actual port (useful when started on port 0). */
  public int actualPort() {
    return server.actualPort();
  }

  private void failure(RoutingContext ctx) {
    Throwable f = ctx.failure();
    if (ctx.response().ended()) {
      return;
    }
    String path = ctx.request().path();
    if (f instanceof ApiException e) {
      apiError(ctx.response(), endpoint(path), e);
      return;
    }
    int status = f instanceof HttpException h ? h.getStatusCode() : ctx.statusCode();
    if (status == 413) {
      error(ctx, 413, "invalid_request_error", "body_too_large",
          "request body exceeds " + api.maxBodyBytes() + " bytes");
    } else if (status >= 400 && status < 500) {
      error(ctx, status, "invalid_request_error", "bad_request", f == null ? "bad request" : f.getMessage());
    } else {
      LOG.error("request failed method={} path={} error=\"{}\"", ctx.request().method(), path, f);
      error(ctx, 500, "internal_error", "internal_error", "internal error");
    }
    api.metrics().httpError(endpoint(path), ctx.response().getStatusCode());
  }

  private void apiError(HttpServerResponse response, String endpoint, ApiException e) {
    api.metrics().httpError(endpoint, e.status());
    if (e.retryAfterSeconds() != null) {
      response.putHeader("Retry-After", Integer.toString(e.retryAfterSeconds()));
    }
    if (e.referenceShape()) {
      Json.send(response, e.status(), new JsonObject().put("detail", e.getMessage()));
    } else {
      error(response, e.status(), e.type(), e.code(), e.getMessage());
    }
  }

  private static String endpoint(String path) {
    if (path.startsWith("/v1/requests/")) {
      return "/v1/requests";
    }
    if (path.startsWith("/v1/workers/")) {
      return "/v1/workers/{id}";
    }
    return switch (path) {
      case "/find_best_worker", "/v1/route", "/v1/score", "/debug/hash", "/debug/inject_event", "/debug/tree_info",
           "/v1/workers" -> path;
      default -> "other";
    };
  }

  private static void error(RoutingContext ctx, int status, String type, String code, String message) {
    error(ctx.response(), status, type, code, message);
  }

  private static void error(HttpServerResponse response, int status, String type, String code, String message) {
    Json.send(response, status, new JsonObject().put("error",
        new JsonObject().put("message", message).put("type", type).put("code", code)));
  }

  @Override
  public Future<?> stop() {
    return server == null ? Future.succeededFuture() : server.close();
  }
}

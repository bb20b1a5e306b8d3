package io.kvroute.gateway;

import io.kvroute.common.hash.BlockHasher;
import io.kvroute.common.tokenizer.ModelTokenizer;
import io.kvroute.gateway.GatewayConfig.FallbackPolicy;
import io.kvroute.gateway.api.ApiError;
import io.kvroute.gateway.api.ApiKeyAuth;
import io.kvroute.gateway.api.ContextLimits;
import io.kvroute.gateway.api.Endpoint;
import io.kvroute.gateway.api.ErrorResponder;
import io.kvroute.gateway.api.GenerationRequest;
import io.kvroute.gateway.api.RequestParser;
import io.kvroute.gateway.api.TokenizeRequest;
import io.kvroute.gateway.metrics.GatewayMetrics;
import io.kvroute.gateway.proxy.ProxyContext;
import io.kvroute.gateway.proxy.ProxyExchange;
import io.kvroute.gateway.route.RouterClient;
import io.kvroute.gateway.route.WorkerDirectory;
import io.kvroute.gateway.tokenize.PromptTokenizer;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.WorkerExecutor;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpVersion;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import io.vertx.ext.web.handler.HttpException;
import io.vertx.micrometer.PrometheusScrapingHandler;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The OpenAI-compatible HTTP front door. Serves /health, /v1/models and /tokenize without any router; generation
 * requests are validated, tokenised on a worker pool, routed and proxied by {@link ProxyExchange}.
 */
public final class GatewayVerticle extends VerticleBase {

  private static final Logger LOG = LoggerFactory.getLogger(GatewayVerticle.class);
  private static final CharSequence APPLICATION_JSON = HttpHeaders.createOptimized("application/json");
  private static final long PROBE_PERIOD_MS = 2_000;

  private final GatewayConfig config;
  private final ModelTokenizer modelTokenizer;
  private final PrometheusMeterRegistry registry;

  private GatewayMetrics metrics;
  private RequestParser parser;
  private ContextLimits limits;
  private BlockHasher hasher;
  private PromptTokenizer tokenizer;
  private WorkerExecutor tokenizerPool;
  private HttpClient routerHttp;
  private HttpClient agentHttp;
  private RouterClient routers;
  private WorkerDirectory directory;
  private ProxyContext proxy;
  private HttpServer server;
  private long probeTimer = -1;
  private long startedEpochSeconds;
  private boolean blockSizeMismatchLogged;

  /**
   * @param tokenizer the loaded model tokenizer (shared, thread-safe)
   * @param registry  where the gateway's meters go; /metrics scrapes it
   */
  public GatewayVerticle(GatewayConfig config, ModelTokenizer tokenizer, PrometheusMeterRegistry registry) {
    this.config = config;
    this.modelTokenizer = tokenizer;
    this.registry = registry;
  }

  @Override
  public Future<?> start() {
    startedEpochSeconds = System.currentTimeMillis() / 1000;
    metrics = new GatewayMetrics(registry);
    metrics.bindSegmentCache(modelTokenizer);
    parser = new RequestParser(config.model());
    limits = new ContextLimits(config.maxModelLen(), config.defaultMaxTokens());
    hasher = BlockHasher.create(config.blockSize());
    tokenizerPool = vertx.createSharedWorkerExecutor("kvroute-tokenizer", config.tokenizerThreads());
    tokenizer = new PromptTokenizer(modelTokenizer, tokenizerPool, metrics, config.tokenizerInlineBytes());
    routerHttp = vertx.createHttpClient(new HttpClientOptions().setKeepAlive(true).setTcpNoDelay(true)
        .setProtocolVersion(HttpVersion.HTTP_1_1), new PoolOptions().setHttp1MaxSize(512).setMaxWaitQueueSize(-1));
    agentHttp = vertx.createHttpClient(new HttpClientOptions().setKeepAlive(true).setTcpNoDelay(true)
        .setProtocolVersion(HttpVersion.HTTP_1_1).setKeepAliveTimeout(30), new PoolOptions().setHttp1MaxSize(1024)
        .setMaxWaitQueueSize(-1));
    routers = new RouterClient(routerHttp, config.routerUrls(), config.routerTimeout(), metrics, System::nanoTime);
    directory = new WorkerDirectory();
    proxy = new ProxyContext(config, routers, directory, agentHttp, metrics);

    Router router = Router.router(vertx);
    ApiKeyAuth auth = new ApiKeyAuth(config.apiKeys());
    BodyHandler body = BodyHandler.create(false).setBodyLimit(config.maxBodyBytes());

    // operations (never authenticated)
    router.get("/health").handler(ctx -> json(ctx, new JsonObject().put("status", "ok")));
    router.get("/ready").handler(this::ready);
    router.get("/metrics").handler(PrometheusScrapingHandler.create(registry));
    // OpenAI API
    router.route("/v1/*").handler(auth);
    router.route("/tokenize").handler(auth);
    router.get("/v1/models").handler(this::models);
    router.post("/v1/chat/completions").handler(body).handler(ctx -> generate(ctx, Endpoint.CHAT));
    router.post("/v1/completions").handler(body).handler(ctx -> generate(ctx, Endpoint.COMPLETION));
    router.post("/tokenize").handler(body).handler(this::tokenize);
    // errors, all in the OpenAI shape
    router.route().failureHandler(this::onFailure);
    router.errorHandler(404, ctx -> sendError(ctx, ApiError.notFound("Unknown route " + ctx.request().method() + " "
        + ctx.request().path(), "not_found")));
    router.errorHandler(405, ctx -> sendError(ctx, new ApiError(405, "invalid_request_error", "Method "
        + ctx.request().method() + " not allowed on " + ctx.request().path(), null, "method_not_allowed", 0)));

    probeTimer = vertx.setPeriodic(0, PROBE_PERIOD_MS, id -> probe());
    server = vertx.createHttpServer(new HttpServerOptions().setTcpNoDelay(true).setCompressionSupported(false)
        .setMaxInitialLineLength(8192));
    return server.requestHandler(router).listen(config.httpPort(), config.host())
        .onSuccess(s -> LOG.info("event=gateway_started port={} routers={} model={} block_size={} max_model_len={} "
                + "api_keys={} fallback={}", s.actualPort(), config.routerUrls(), config.model(), config.blockSize(),
            config.maxModelLen(), config.apiKeys().size(), config.fallback().name().toLowerCase()));
  }

  @Override
  public Future<?> stop() {
    if (probeTimer >= 0) {
      vertx.cancelTimer(probeTimer);
    }
    Future<Void> closeServer = server == null ? Future.succeededFuture() : server.close();
    // Each router call has its own timeout per router tried: wait at most that long for releases still in flight.
    Duration maxDrain = config.routerTimeout().multipliedBy(config.routerUrls().size()).plusMillis(500);
    return closeServer
        .eventually(() -> routers == null ? Future.succeededFuture() : routers.drain(vertx, maxDrain))
        .eventually(() -> agentHttp.close())
        .eventually(() -> routerHttp.close())
        .eventually(() -> tokenizerPool.close());
  }

  /** The port actually bound (useful with port 0). */
  public int actualPort() {
    return server.actualPort();
  }

  public GatewayMetrics metrics() {
    return metrics;
  }

  /** First-token notices and releases this instance sent that the router has not answered yet. */
  public int routerCallsInFlight() {
    return routers.lifecycleCallsInFlight();
  }

  /** Workers cached for the fallback policy. */
  public int knownWorkers() {
    return directory.workers().size();
  }

  /** Workers cached for the fallback policy, as "id=url" (diagnostics). */
  public List<String> knownWorkerIds() {
    return directory.workers().stream().map(w -> w.id() + "=" + w.url()).toList();
  }

  // ---- handlers ----------------------------------------------------------------------------------------------

  private void generate(RoutingContext ctx, Endpoint endpoint) {
    long start = System.nanoTime();
    JsonObject body = RequestParser.jsonObject(ctx.body().buffer());
    GenerationRequest req = endpoint == Endpoint.CHAT ? parser.chat(body) : parser.completion(body);
    tokenizer.promptTokens(req, ctx.body().length()).onComplete(ar -> {
      if (ar.failed()) {
        ctx.fail(ar.cause());
        return;
      }
      int[] tokens = ar.result();
      metrics.tokenize(System.nanoTime() - start);
      int maxTokens;
      try {
        maxTokens = limits.maxTokens(req, tokens.length);
      } catch (ApiError e) {
        ctx.fail(e);
        return;
      }
      long[] hashes = hasher.localHashes(tokens);
      String id = endpoint.idPrefix() + Long.toHexString(ThreadLocalRandom.current().nextLong() >>> 1)
          + Long.toHexString(System.nanoTime() & 0xFFFFFF);
      new ProxyExchange(proxy, ctx.response(), req, tokens, maxTokens, hashes, id,
          System.currentTimeMillis() / 1000, start).start();
    });
  }

  private void tokenize(RoutingContext ctx) {
    TokenizeRequest req = parser.tokenize(RequestParser.jsonObject(ctx.body().buffer()));
    tokenizer.tokenize(req, ctx.body().length()).onComplete(ar -> {
      if (ar.failed()) {
        ctx.fail(ar.cause());
        return;
      }
      int[] tokens = ar.result();
      JsonArray arr = new JsonArray(new java.util.ArrayList<>(tokens.length));
      for (int t : tokens) {
        arr.add(t);
      }
      metrics.request("tokenize", 200);
      json(ctx, new JsonObject().put("count", tokens.length).put("max_model_len", config.maxModelLen())
          .put("tokens", arr).putNull("token_strs"));
    });
  }

  private void models(RoutingContext ctx) {
    JsonObject model = new JsonObject()
        .put("id", config.model())
        .put("object", "model")
        .put("created", startedEpochSeconds)
        .put("owned_by", "kvroute")
        .put("root", config.model())
        .put("max_model_len", config.maxModelLen())
        .put("block_size", config.blockSize());
    json(ctx, new JsonObject().put("object", "list").put("data", new JsonArray().add(model)));
  }

  private void ready(RoutingContext ctx) {
    boolean routerUp = routers.anyUp();
    boolean fallbackReady = config.fallback() == FallbackPolicy.ROUND_ROBIN && !directory.workers().isEmpty();
    JsonObject body = new JsonObject().put("ready", routerUp || fallbackReady).put("router_reachable", routerUp)
        .put("known_workers", directory.workers().size());
    ctx.response().setStatusCode(routerUp || fallbackReady ? 200 : 503);
    json(ctx, body);
  }

  private void probe() {
    routers.probe()
        .compose(up -> up > 0 ? directory.refresh(routers) : Future.succeededFuture())
        .onComplete(ar -> {
          int routerB = routers.routerBlockSize();
          if (routerB > 0 && routerB != config.blockSize() && !blockSizeMismatchLogged) {
            blockSizeMismatchLogged = true;
            LOG.error("event=block_size_mismatch gateway_block_size={} router_block_size={} effect=\"overlap will be "
                + "0: fix --block-size\"", config.blockSize(), routerB);
          }
        });
  }

  // ---- errors ------------------------------------------------------------------------------------------------

  private void onFailure(RoutingContext ctx) {
    Throwable f = ctx.failure();
    ApiError error;
    if (f instanceof ApiError a) {
      error = a;
    } else if (ctx.statusCode() == 413 || f instanceof HttpException he && he.getStatusCode() == 413) {
      error = ApiError.tooLarge(config.maxBodyBytes());
    } else if (f instanceof HttpException he) {
      error = new ApiError(he.getStatusCode(), he.getStatusCode() < 500 ? "invalid_request_error" : "server_error",
          he.getPayload() == null ? "HTTP " + he.getStatusCode() : he.getPayload(), null, null, 0);
    } else if (f == null && ctx.statusCode() >= 400 && ctx.statusCode() < 500) {
      error = new ApiError(ctx.statusCode(), "invalid_request_error", "HTTP " + ctx.statusCode(), null, null, 0);
    } else {
      LOG.error("event=unexpected_failure path={} error={}", ctx.request().path(), String.valueOf(f), f);
      error = ApiError.internal("Internal error");
    }
    sendError(ctx, error);
  }

  private void sendError(RoutingContext ctx, ApiError error) {
    String endpoint = endpointLabel(ctx.request().path());
    metrics.request(endpoint, error.status());
    metrics.rejected(endpoint, error.code() == null ? error.type() : error.code());
    if (error.status() >= 500) {
      LOG.warn("event=request_failed path={} status={} error={}", ctx.request().path(), error.status(),
          error.getMessage());
    } else {
      LOG.debug("event=request_rejected path={} status={} error={}", ctx.request().path(), error.status(),
          error.getMessage());
    }
    ErrorResponder.send(ctx.response(), error);
  }

  private static String endpointLabel(String path) {
    if (path == null) {
      return "other";
    }
    return switch (path) {
      case "/v1/chat/completions" -> Endpoint.CHAT.label();
      case "/v1/completions" -> Endpoint.COMPLETION.label();
      case "/tokenize" -> "tokenize";
      case "/v1/models" -> "models";
      default -> "other";
    };
  }

  private static void json(RoutingContext ctx, JsonObject body) {
    ctx.response().putHeader(HttpHeaders.CONTENT_TYPE, APPLICATION_JSON).end(body.toBuffer());
  }
}

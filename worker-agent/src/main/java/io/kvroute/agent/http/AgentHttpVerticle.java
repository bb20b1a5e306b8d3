package io.kvroute.agent.http;

import io.kvroute.agent.AgentConfig;
import io.kvroute.agent.AgentMetrics;
import io.kvroute.agent.engine.EngineAdapter;
import io.kvroute.agent.events.KvEventLog;
import io.kvroute.common.codec.RecoveryJson;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The agent's HTTP API (DESIGN §4, §6):
 * <pre>
 * POST /v1/completions, /v1/chat/completions   proxied to the engine; streams pass through chunk by chunk; a
 *                                              client that goes away closes the upstream request
 * GET  /v1/info                                worker id, model, block size, ports, endpoints, engine kind
 * GET  /v1/kv/events?after=SEQ                 buffered batches with seq &gt; SEQ ({@link RecoveryJson#encodeEvents});
 *                                              410 when some of them have left the ring, or when SEQ is beyond the
 *                                              last published seq (this agent restarted); 400 on a bad SEQ
 * GET  /v1/kv/snapshot                         the whole block table + the seq it reflects
 *                                              ({@link RecoveryJson#encodeSnapshot})
 * GET  /health                                 200 while the process runs
 * GET  /ready                                  200 when {@link EngineAdapter#ready()}: trtllm/sim: the engine is
 *                                              reachable, its first events were seen and the tokens per block it
 *                                              reports (if any) are --block-size; zmq: the engine is reachable
 *                                              and every event subscription is connected
 * GET  /metrics                                Prometheus text
 * </pre>
 * JSON shapes of the two recovery routes are documented on {@link RecoveryJson}; hashes are unsigned decimal
 * strings. Errors are JSON: {@code {"error":{"message","type","code"}}}.
 */
public final class AgentHttpVerticle extends VerticleBase {

  private static final Logger LOG = LoggerFactory.getLogger(AgentHttpVerticle.class);
  private static final CharSequence JSON = HttpHeaders.createOptimized("application/json");

  /** URLs announced to routers. */
  public record Endpoints(String url, String eventsEndpoint, String metricsEndpoint) {
  }

  private final AgentConfig config;
  private final KvEventLog log;
  private final AgentMetrics metrics;
  private final Supplier<EngineAdapter> adapter;
  private final Supplier<Endpoints> endpoints;
  private final AtomicInteger inFlight = new AtomicInteger();
  private HttpClient client;
  private HttpServer server;

  public AgentHttpVerticle(AgentConfig config, KvEventLog log, AgentMetrics metrics, Supplier<EngineAdapter> adapter,
      Supplier<Endpoints> endpoints) {
    this.config = config;
    this.log = log;
    this.metrics = metrics;
    this.adapter = adapter;
    this.endpoints = endpoints;
  }

  public int actualPort() {
    return server == null ? -1 : server.actualPort();
  }

  /** Proxied requests in flight. */
  public int inFlight() {
    return inFlight.get();
  }

  @Override
  public Future<?> start() {
    client = vertx.createHttpClient(new HttpClientOptions().setConnectTimeout(2000).setKeepAlive(true),
        new PoolOptions().setHttp1MaxSize(512));
    Router router = Router.router(vertx);
    // generation proxy
    router.post("/v1/completions").handler(BodyHandler.create().setBodyLimit(64L << 20))
        .handler(ctx -> proxy(ctx, "/v1/completions", "completions"));
    router.post("/v1/chat/completions").handler(BodyHandler.create().setBodyLimit(64L << 20))
        .handler(ctx -> proxy(ctx, "/v1/chat/completions", "chat"));
    // recovery
    router.get("/v1/kv/events").handler(this::events);
    router.get("/v1/kv/snapshot").handler(this::snapshot);
    // info and health
    router.get("/v1/info").handler(this::info);
    router.get("/health").handler(ctx -> json(ctx.response(), 200, "{\"status\":\"ok\"}"));
    router.get("/ready").handler(this::ready);
    router.get("/metrics").handler(ctx -> ctx.response().putHeader(HttpHeaders.CONTENT_TYPE,
        "text/plain; version=0.0.4; charset=utf-8").end(metrics.scrape()));
    // one JSON shape for every failure the handlers did not answer themselves
    router.errorHandler(500, ctx -> {
      LOG.warn("event=http_failed path={} error=\"{}\"", ctx.request().path(), String.valueOf(ctx.failure()));
      error(ctx.response(), 500, "internal error", "internal_error");
    });
    router.errorHandler(404, ctx -> error(ctx.response(), 404, "no route " + ctx.request().path(), "not_found"));
    router.errorHandler(413, ctx -> error(ctx.response(), 413, "request body too large", "invalid_request_error"));
    return vertx.createHttpServer().requestHandler(router).listen(config.httpPort(), config.bindHost())
        .onSuccess(s -> server = s);
  }

  @Override
  public Future<?> stop() {
    Future<Void> closeServer = server == null ? Future.succeededFuture() : server.close();
    return closeServer.eventually(() -> client == null ? Future.succeededFuture() : client.close());
  }

  // ------------------------------------------------------------------------------------------------ proxy

  private void proxy(RoutingContext ctx, String path, String route) {
    EngineAdapter a = adapter.get();
    String base = a == null ? null : a.generationUrl();
    if (base == null) {
      metrics.proxyRequest(route, "no_engine");
      error(ctx.response(), 503, "this agent's engine has no HTTP generation endpoint", "service_unavailable");
      return;
    }
    inFlight.incrementAndGet();
    ProxyExchange exchange = new ProxyExchange(ctx, route);
    RequestOptions options = new RequestOptions().setMethod(HttpMethod.POST).setAbsoluteURI(base + path);
    client.request(options)
        .compose(upstream -> {
          exchange.upstream = upstream;
          ctx.response().closeHandler(v -> exchange.clientGone());
          ctx.response().exceptionHandler(e -> exchange.clientGone());
          upstream.putHeader(HttpHeaders.CONTENT_TYPE, JSON);
          String auth = ctx.request().getHeader(HttpHeaders.AUTHORIZATION);
          if (auth != null) {
            upstream.putHeader(HttpHeaders.AUTHORIZATION, auth);
          }
          return upstream.send(ctx.body().buffer());
        })
        .onSuccess(exchange::relay)
        .onFailure(exchange::failed);
  }

  /**
   * One proxied request: relays the engine's answer chunk by chunk (with back-pressure) and, when the client
   * goes away first, resets the upstream request so the engine aborts the generation and frees its blocks.
   */
  private final class ProxyExchange {
    private final RoutingContext ctx;
    private final String route;
    private HttpClientRequest upstream;
    private boolean finished;

    ProxyExchange(RoutingContext ctx, String route) {
      this.ctx = ctx;
      this.route = route;
    }

    void relay(HttpClientResponse upstreamResponse) {
      HttpServerResponse response = ctx.response();
      if (finished || response.closed()) {
        clientGone();
        return;
      }
      response.setStatusCode(upstreamResponse.statusCode());
      String type = upstreamResponse.getHeader(HttpHeaders.CONTENT_TYPE);
      if (type != null) {
        response.putHeader(HttpHeaders.CONTENT_TYPE, type);
      }
      if (type != null && type.startsWith("text/event-stream")) {
        response.putHeader(HttpHeaders.CACHE_CONTROL, "no-cache");
      }
      response.setChunked(true);
      metrics.proxyRequest(route, Integer.toString(upstreamResponse.statusCode()));
      upstreamResponse.handler(chunk -> {
        if (finished) {
          return;
        }
        response.write(chunk);
        if (response.writeQueueFull()) {
          upstreamResponse.pause();
          response.drainHandler(v -> upstreamResponse.resume());
        }
      });
      upstreamResponse.exceptionHandler(e -> failed(e));
      upstreamResponse.endHandler(v -> {
        if (finish()) {
          response.end();
        }
      });
    }

    void failed(Throwable err) {
      if (!finish()) {
        return;
      }
      HttpServerResponse response = ctx.response();
      metrics.proxyRequest(route, "upstream_error");
      LOG.warn("event=proxy_failed route={} error=\"{}\"", route, err.getMessage());
      if (response.closed() || response.ended()) {
        return;
      }
      if (!response.headWritten()) {
        error(response, 502, "engine request failed: " + err.getMessage(), "bad_gateway");
      } else {
        response.reset();
      }
    }

    void clientGone() {
      if (!finish()) {
        return;
      }
      metrics.proxyRequest(route, "cancelled");
      LOG.debug("event=proxy_cancelled route={}", route);
      if (upstream != null) {
        upstream.reset();
      }
    }

    private boolean finish() {
      if (finished) {
        return false;
      }
      finished = true;
      inFlight.decrementAndGet();
      return true;
    }
  }

  // --------------------------------------------------------------------------------------------- recovery

  /**
   * {@code GET /v1/kv/events?after=SEQ} (SEQ defaults to -1 = from the first batch):
   * <pre>
   * 200 {"worker_id":"worker-0","last_seq":41,"batches":[{"seq":40,"ts":1732400000.125,"dp_rank":0,"events":[
   *        {"type":"stored","parent_hash":"123"|null,"blocks":[["&lt;block_hash&gt;","&lt;tokens_hash&gt;"],...]},
   *        {"type":"removed","block_hashes":["&lt;block_hash&gt;",...]}, {"type":"cleared"}]}, ...]}
   * 410 {"error":{...}}   SEQ + 1 has left the ring, or SEQ &gt; last_seq: load the snapshot
   * 400 {"error":{...}}   SEQ is not an integer
   * </pre>
   * Hashes are unsigned 64-bit decimal strings; batches are contiguous and ascending; encode/decode with
   * {@link RecoveryJson}.
   */
  private void events(RoutingContext ctx) {
    String after = ctx.request().getParam("after");
    long seq;
    try {
      seq = after == null ? -1 : Long.parseLong(after);
    } catch (NumberFormatException e) {
      error(ctx.response(), 400, "after must be an integer seq, got '" + after + "'", "invalid_request_error");
      return;
    }
    vertx.executeBlocking(() -> {
      RecoveryJson.EventsPage page = log.eventsAfter(seq);
      return page == null ? null : RecoveryJson.encodeEvents(page);
    }).onSuccess(body -> {
      if (body == null) {
        error(ctx.response(), 410, "seq " + seq + " is not in the replay buffer (too old, or ahead of this agent);"
            + " load /v1/kv/snapshot", "gone");
      } else {
        json(ctx.response(), 200, body);
      }
    }).onFailure(ctx::fail);
  }

  /**
   * {@code GET /v1/kv/snapshot}:
   * <pre>
   * 200 {"worker_id":"worker-0","seq":41,"block_size":32,"events":[
   *        {"type":"stored","dp_rank":0,"parent_hash":"123"|null,
   *         "blocks":[["&lt;block_hash&gt;","&lt;tokens_hash&gt;"],...]}, ...]}
   * </pre>
   * The whole block table as stored events (parents first), consistent with every batch up to and including
   * {@code seq}: apply it, then the live batches with a greater seq. Encode/decode with {@link RecoveryJson}.
   */
  private void snapshot(RoutingContext ctx) {
    vertx.executeBlocking(() -> RecoveryJson.encodeSnapshot(log.snapshot()))
        .onSuccess(body -> json(ctx.response(), 200, body))
        .onFailure(ctx::fail);
  }

  // ----------------------------------------------------------------------------------------- info, health

  private void info(RoutingContext ctx) {
    Endpoints e = endpoints.get();
    EngineAdapter a = adapter.get();
    JsonObject body = new JsonObject()
        .put("worker_id", config.workerId())
        .put("worker_index", config.workerIndex())
        .put("model", config.model())
        .put("block_size", config.blockSize())
        .put("engine", config.engine())
        .put("engine_url", a == null ? null : a.generationUrl())
        .put("url", e.url())
        .put("http_port", actualPort())
        .put("kv_events_port", portOf(e.eventsEndpoint()))
        .put("metrics_port", portOf(e.metricsEndpoint()))
        .put("events_endpoint", e.eventsEndpoint())
        .put("metrics_endpoint", e.metricsEndpoint())
        .put("dp_size", config.dpSize())
        .put("last_seq", log.lastSeq())
        .put("replay_buffer", config.replayBuffer());
    json(ctx.response(), 200, body.encode());
  }

  private static int portOf(String endpoint) {
    return Integer.parseInt(endpoint.substring(endpoint.lastIndexOf(':') + 1));
  }

  private void ready(RoutingContext ctx) {
    EngineAdapter a = adapter.get();
    boolean up = a != null && a.engineUp();
    boolean seen = a != null && a.eventsSeen();
    boolean ready = a != null && a.ready();
    JsonObject body = new JsonObject().put("ready", ready).put("engine_up", up).put("events_seen", seen)
        .put("block_size", config.blockSize()).put("engine_block_size", a == null ? 0 : a.engineBlockSize());
    json(ctx.response(), ready ? 200 : 503, body.encode());
  }

  private static void json(HttpServerResponse r, int status, String body) {
    r.setStatusCode(status).putHeader(HttpHeaders.CONTENT_TYPE, JSON).end(body);
  }

  private static void error(HttpServerResponse r, int status, String message, String type) {
    json(r, status, new JsonObject().put("error", new JsonObject().put("message", message).put("type", type)
        .put("code", status)).encode());
  }
}

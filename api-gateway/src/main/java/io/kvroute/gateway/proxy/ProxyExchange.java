package io.kvroute.gateway.proxy;

import io.kvroute.common.codec.JsonStrings;
import io.kvroute.gateway.GatewayConfig.FallbackPolicy;
import io.kvroute.gateway.api.ApiError;
import io.kvroute.gateway.api.ErrorResponder;
import io.kvroute.gateway.api.GenerationRequest;
import io.kvroute.gateway.api.SamplingParams;
import io.kvroute.gateway.route.HttpTarget;
import io.kvroute.gateway.route.RouteResult;
import io.kvroute.gateway.route.RouterUnavailableException;
import io.kvroute.gateway.route.WorkerDirectory;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonObject;
import java.util.LinkedHashSet;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One generation request from routing to the last byte. All callbacks run on the event loop of the server
 * connection, so the state below needs no locking.
 *
 * <p>Lifecycle: route (router, or the fallback policy) → POST the token ids to the agent's /v1/completions
 * (streamed) → translate each upstream chunk. Each attempt's booking is released exactly once: at the end, on
 * error, or when the client goes away (which also resets the upstream request, cancelling generation). A worker
 * that fails before its first chunk is excluded and the request re-routed (bounded); after the first chunk the
 * client gets an error event and the stream ends.
 */
public final class ProxyExchange {

  private static final Logger LOG = LoggerFactory.getLogger(ProxyExchange.class);
  private static final CharSequence APPLICATION_JSON = HttpHeaders.createOptimized("application/json");
  private static final CharSequence EVENT_STREAM = HttpHeaders.createOptimized("text/event-stream");
  private static final CharSequence NO_CACHE = HttpHeaders.createOptimized("no-cache");
  private static final CharSequence X_REQUEST_ID = HttpHeaders.createOptimized("X-Request-Id");
  private static final CharSequence X_ACCEL_BUFFERING = HttpHeaders.createOptimized("X-Accel-Buffering");
  private static final CharSequence NO = HttpHeaders.createOptimized("no");
  /** Which worker served the response (observability; also lets tests check cache affinity). */
  public static final String WORKER_HEADER = "x-kvroute-worker";
  private static final int MAX_EVENT_BYTES = 4 * 1024 * 1024;
  private static final long AGENT_CONNECT_TIMEOUT_MS = 2_000;
  private static final long AGENT_IDLE_TIMEOUT_MS = 300_000;

  private final ProxyContext pc;
  private final HttpServerResponse response;
  private final GenerationRequest req;
  private final int[] tokens;
  private final int maxTokens;
  private final long[] localHashes;
  private final long startNanos;
  private final ChunkFormatter fmt;
  private final Set<String> excluded = new LinkedHashSet<>();
  private final StringBuilder text;

  private int attempt;
  /** The attempt in flight; callbacks of older attempts are ignored. */
  private RouteResult current;
  /** The booking not yet released (null once released). */
  private RouteResult booked;
  private HttpClientRequest upstreamReq;
  private HttpClientResponse upstreamResp;
  private boolean firstChunk;
  /** The attempt whose first chunk arrived and whose router has not been told yet (sent after the client write). */
  private RouteResult firstTokenDue;
  /** The attempt whose first-token notice was sent, and that notice's answer (its release waits for it). */
  private RouteResult firstTokenRoute;
  private Future<Void> firstTokenAnswered;
  /** Streamed: the SSE head (status, headers) is set and, for chat, the role chunk queued. */
  private boolean streamStarted;
  /**
   * SSE text for the client not written yet: everything one upstream buffer produces goes out in one write (one
   * flush, one syscall) when the buffer has been parsed, instead of one per event.
   */
  private StringBuilder out;
  private boolean ttftRecorded;
  private boolean upstreamDone;
  private boolean finished;
  private String finishReason;
  private Usage usage;
  private int textChunks;
  /** Why the last worker failed before its first chunk (null: none failed). */
  private String lastFailure;

  public ProxyExchange(ProxyContext pc, HttpServerResponse response, GenerationRequest req, int[] tokens,
      int maxTokens, long[] localHashes, String id, long createdEpochSeconds, long startNanos) {
    this.pc = pc;
    this.response = response;
    this.req = req;
    this.tokens = tokens;
    this.maxTokens = maxTokens;
    this.localHashes = localHashes;
    this.startNanos = startNanos;
    this.fmt = new ChunkFormatter(req.endpoint(), id, createdEpochSeconds, pc.config().model(),
        req.stream() && req.includeUsage());
    this.text = req.stream() ? null : new StringBuilder(256);
  }

  /** Starts routing; the exchange then drives itself to the end of the response. */
  public void start() {
    response.closeHandler(v -> onClientGone());
    if (response.closed()) {
      onClientGone();
      return;
    }
    routeAttempt();
  }

  // ---- routing ---------------------------------------------------------------------------------------------

  private void routeAttempt() {
    String rid = attempt == 0 ? fmt.id() : fmt.id() + "-r" + attempt;
    pc.routers().route(rid, routeBody(rid))
        .recover(err -> err instanceof RouterUnavailableException ? fallbackRoute(rid, err) : Future.failedFuture(err))
        .onComplete(ar -> {
          if (ar.succeeded()) {
            onRouted(ar.result());
          } else if (lastFailure != null && ar.cause() instanceof ApiError e && e.status() == 503) {
            // A re-route found no other worker: the client should hear about the worker that failed.
            failBeforeFirstByte(ApiError.badGateway(lastFailure + "; no other worker available"));
          } else {
            failBeforeFirstByte(ar.cause());
          }
        });
  }

  private Future<RouteResult> fallbackRoute(String rid, Throwable cause) {
    if (pc.config().fallback() == FallbackPolicy.NONE) {
      LOG.warn("event=router_unavailable request_id={} error={}", rid, cause.getMessage());
      return Future.failedFuture(ApiError.unavailable("Router service unavailable", "router_unavailable"));
    }
    WorkerDirectory.Worker w = pc.directory().next(excluded);
    if (w == null) {
      LOG.warn("event=router_unavailable request_id={} fallback=round_robin known_workers=0", rid);
      return Future.failedFuture(ApiError.unavailable("Router service unavailable and no known worker",
          "router_unavailable"));
    }
    pc.metrics().fallback();
    LOG.warn("event=fallback_route request_id={} policy=round_robin worker_id={} error={}", rid, w.id(),
        cause.getMessage());
    return Future.succeededFuture(new RouteResult(rid, w.id(), 0, w.url(), 0, 0, null));
  }

  private void onRouted(RouteResult route) {
    current = route;
    booked = route;
    if (finished) {
      releaseBooking();
      return;
    }
    RequestOptions opts = HttpTarget.options(route.url(), HttpMethod.POST, "/v1/completions")
        .setConnectTimeout(AGENT_CONNECT_TIMEOUT_MS)
        .setIdleTimeout(AGENT_IDLE_TIMEOUT_MS);
    pc.agents().request(opts)
        .compose(r -> {
          if (finished || route != current) {
            r.reset();
            return Future.failedFuture("cancelled");
          }
          upstreamReq = r;
          r.putHeader(HttpHeaders.CONTENT_TYPE, APPLICATION_JSON).putHeader(X_REQUEST_ID, route.requestId());
          Future<HttpClientResponse> sent = r.send(upstreamBody());
          if (attempt == 0) {
            pc.metrics().preUpstream(System.nanoTime() - startNanos);
          }
          return sent;
        })
        .onComplete(ar -> {
          if (ar.succeeded()) {
            onUpstreamResponse(route, ar.result());
          } else {
            onUpstreamError(route, ar.cause().getMessage());
          }
        });
  }

  // ---- upstream ----------------------------------------------------------------------------------------------

  private void onUpstreamResponse(RouteResult route, HttpClientResponse resp) {
    if (finished || route != current) {
      resp.request().reset();
      return;
    }
    upstreamResp = resp;
    int status = resp.statusCode();
    if (status != 200) {
      resp.body().onComplete(ar -> {
        if (finished || route != current) {
          return;
        }
        String body = ar.succeeded() ? ar.result().toString() : "";
        if (status / 100 == 4 && status != 408 && status != 429) {
          workerRejected(route, status, body);
        } else {
          workerFailed(route, "HTTP " + status);
        }
      });
      return;
    }
    SseParser parser = new SseParser((event, data) -> onEvent(route, data), MAX_EVENT_BYTES);
    resp.exceptionHandler(err -> onUpstreamError(route, err.getMessage()));
    resp.handler(buf -> {
      try {
        parser.push(buf);
      } catch (SseParser.SseException e) {
        onUpstreamError(route, e.getMessage());
      }
      flushOut();
    });
    resp.endHandler(v -> {
      parser.end();
      onUpstreamEnd(route);
      flushOut();
    });
  }

  private void onEvent(RouteResult route, String data) {
    if (finished || route != current) {
      return;
    }
    if ("[DONE]".equals(data)) {
      upstreamDone = true;
      return;
    }
    UpstreamChunk c = UpstreamChunk.parse(data);
    if (c.error() != null) {
      onUpstreamError(route, "worker error: " + c.error());
      return;
    }
    if (!firstChunk) {
      firstChunk = true;
      firstTokenDue = route;
    }
    if (c.usage() != null) {
      usage = c.usage();
    }
    if (!c.text().isEmpty()) {
      emitText(c.text());
    }
    if (c.finishReason() != null) {
      finishReason = c.finishReason();
    }
  }

  private void onUpstreamEnd(RouteResult route) {
    if (finished || route != current) {
      return;
    }
    if (!firstChunk) {
      workerFailed(route, "stream ended before the first token");
    } else if (finishReason == null && !upstreamDone) {
      midStreamError("worker stream ended unexpectedly");
    } else {
      complete();
    }
  }

  private void onUpstreamError(RouteResult route, String message) {
    if (finished || route != current) {
      return;
    }
    if (!firstChunk) {
      workerFailed(route, message);
    } else {
      midStreamError(message);
    }
  }

  // ---- client side -------------------------------------------------------------------------------------------

  private void emitText(String chunk) {
    textChunks++;
    if (!ttftRecorded) {
      ttftRecorded = true;
      pc.metrics().ttft(System.nanoTime() - startNanos);
    }
    if (!req.stream()) {
      text.append(chunk);
      return;
    }
    if (!streamStarted) {
      startStream();
    }
    queue(fmt.textChunk(chunk));
  }

  private void startStream() {
    streamStarted = true;
    tagWorker();
    response.setChunked(true)
        .putHeader(HttpHeaders.CONTENT_TYPE, EVENT_STREAM)
        .putHeader(HttpHeaders.CACHE_CONTROL, NO_CACHE)
        .putHeader(X_ACCEL_BUFFERING, NO);
    if (req.endpoint() == io.kvroute.gateway.api.Endpoint.CHAT) {
      queue(fmt.roleChunk());
    }
  }

  private void tagWorker() {
    response.putHeader(X_REQUEST_ID, fmt.id());
    if (current != null) {
      response.putHeader(WORKER_HEADER, current.workerId());
    }
  }

  private void queue(String s) {
    if (out == null) {
      out = new StringBuilder(s.length() + 256);
    }
    out.append(s);
  }

  private String takeOut(String last) {
    if (out == null) {
      return last;
    }
    String s = out.append(last).toString();
    out = null;
    return s;
  }

  /** After an upstream buffer: the client's write, then the router's first-token notice (off the TTFT path). */
  private void flushOut() {
    if (out != null && !finished) {
      String s = out.toString();
      out = null;
      write(s);
    }
    notifyFirstToken();
  }

  private void notifyFirstToken() {
    RouteResult r = firstTokenDue;
    firstTokenDue = null;
    if (r != null) {
      firstTokenRoute = r;
      firstTokenAnswered = pc.routers().firstToken(r);
    }
  }

  private void write(String s) {
    response.write(s);
    if (response.writeQueueFull() && upstreamResp != null) {
      HttpClientResponse up = upstreamResp;
      up.pause();
      response.drainHandler(v -> {
        if (!finished) {
          up.resume();
        }
      });
    }
  }

  private void complete() {
    finished = true;
    releaseBooking();
    upstreamReq = null;
    String reason = finishReason == null ? "stop" : finishReason;
    Usage u = finalUsage();
    if (req.stream()) {
      if (!streamStarted) {
        startStream();
      }
      queue(fmt.finishChunk(reason));
      if (req.includeUsage()) {
        queue(fmt.usageChunk(u));
      }
      response.end(takeOut(ChunkFormatter.DONE));
    } else {
      tagWorker();
      response.putHeader(HttpHeaders.CONTENT_TYPE, APPLICATION_JSON).end(fmt.fullResponse(text.toString(), reason, u));
    }
    pc.metrics().e2e(System.nanoTime() - startNanos);
    pc.metrics().request(req.endpoint().label(), 200);
  }

  private Usage finalUsage() {
    int prompt = tokens.length;
    int completion = textChunks;
    int cached = 0;
    if (usage != null) {
      if (usage.promptTokens() >= 0) {
        prompt = usage.promptTokens();
      }
      if (usage.completionTokens() >= 0) {
        completion = usage.completionTokens();
      }
      cached = usage.cachedTokens();
    }
    return new Usage(prompt, completion, cached);
  }

  // ---- failures ----------------------------------------------------------------------------------------------

  /** Before the first chunk: exclude the worker and re-route while retries remain. */
  private void workerFailed(RouteResult route, String reason) {
    LOG.warn("event=worker_failed request_id={} worker_id={} url={} attempt={} reason={}", route.requestId(),
        route.workerId(), route.url(), attempt, reason);
    cancelUpstream();
    releaseBooking();
    current = null;
    upstreamResp = null;
    excluded.add(route.workerId());
    lastFailure = "Worker " + route.workerId() + " failed: " + reason;
    if (finished) {
      return;
    }
    if (attempt < pc.config().maxRetries()) {
      attempt++;
      pc.metrics().retry();
      routeAttempt();
    } else {
      failBeforeFirstByte(ApiError.badGateway(lastFailure + " (after " + (attempt + 1) + " attempts)"));
    }
  }

  /** The worker refused the request itself (4xx): the client's fault, no retry. */
  private void workerRejected(RouteResult route, int status, String body) {
    releaseBooking();
    current = null;
    String message = body;
    try {
      JsonObject o = new JsonObject(body);
      Object err = o.getValue("error");
      if (err instanceof JsonObject eo && eo.getValue("message") instanceof String m) {
        message = m;
      } else if (o.getValue("detail") instanceof String d) {
        message = d;
      } else if (err instanceof String s) {
        message = s;
      }
    } catch (RuntimeException ignored) {
      // not JSON: pass the text through
    }
    LOG.info("event=worker_rejected request_id={} worker_id={} status={}", route.requestId(), route.workerId(),
        status);
    failBeforeFirstByte(new ApiError(status, "invalid_request_error", "Worker rejected the request: " + message,
        null, null, 0));
  }

  private void failBeforeFirstByte(Throwable err) {
    if (finished) {
      return;
    }
    finished = true;
    releaseBooking();
    ApiError e = err instanceof ApiError a ? a : ApiError.internal("Internal error: " + err.getMessage());
    if (!(err instanceof ApiError)) {
      LOG.warn("event=request_failed request_id={} error={}", fmt.id(), err.toString());
    }
    ErrorResponder.send(response, e);
    pc.metrics().request(req.endpoint().label(), e.status());
    pc.metrics().rejected(req.endpoint().label(), e.code() == null ? e.type() : e.code());
  }

  /** After the first chunk: error event (streamed) or 502 (non-streamed), then the end. */
  private void midStreamError(String message) {
    finished = true;
    pc.metrics().midStreamError();
    LOG.warn("event=stream_failed request_id={} worker_id={} chunks={} error={}", fmt.id(),
        current == null ? null : current.workerId(), textChunks, message);
    cancelUpstream();
    releaseBooking();
    if (req.stream()) {
      if (!streamStarted) {
        startStream();
      }
      queue(ChunkFormatter.errorEvent("Worker failed during generation: " + message, "server_error",
          "upstream_error"));
      response.end(takeOut(ChunkFormatter.DONE));
      pc.metrics().request(req.endpoint().label(), 200);
    } else {
      ErrorResponder.send(response, ApiError.badGateway("Worker failed during generation: " + message));
      pc.metrics().request(req.endpoint().label(), 502);
    }
  }

  private void onClientGone() {
    if (finished) {
      return;
    }
    finished = true;
    pc.metrics().disconnect();
    pc.metrics().request(req.endpoint().label(), 499);
    LOG.info("event=client_disconnect request_id={} worker_id={} chunks={}", fmt.id(),
        current == null ? null : current.workerId(), textChunks);
    cancelUpstream();
    releaseBooking();
  }

  private void cancelUpstream() {
    HttpClientRequest r = upstreamReq;
    upstreamReq = null;
    if (r != null) {
      r.reset();
    }
  }

  private void releaseBooking() {
    notifyFirstToken(); // a pending first-token notice goes first, as it would have
    RouteResult b = booked;
    booked = null;
    if (b == null) {
      return;
    }
    Future<Void> notice = b == firstTokenRoute ? firstTokenAnswered : null;
    if (notice == null || notice.isComplete()) {
      pc.routers().release(b);
    } else {
      notice.onComplete(ar -> pc.routers().release(b)); // never overtakes the first-token notice
    }
  }

  // ---- bodies ------------------------------------------------------------------------------------------------

  private Buffer routeBody(String rid) {
    StringBuilder sb = new StringBuilder(64 + localHashes.length * 21).append("{\"request_id\":");
    JsonStrings.appendQuoted(sb, rid).append(",\"local_hashes\":[");
    for (int i = 0; i < localHashes.length; i++) {
      if (i > 0) {
        sb.append(',');
      }
      sb.append(Long.toUnsignedString(localHashes[i]));
    }
    sb.append("],\"num_tokens\":").append(tokens.length).append(",\"expected_output_tokens\":").append(maxTokens)
        .append(",\"block_size\":").append(pc.config().blockSize());
    if (!excluded.isEmpty()) {
      sb.append(",\"exclude\":[");
      boolean first = true;
      for (String w : excluded) {
        if (!first) {
          sb.append(',');
        }
        first = false;
        JsonStrings.appendQuoted(sb, w);
      }
      sb.append(']');
    }
    return Buffer.buffer(sb.append('}').toString());
  }

  private Buffer upstreamBody() {
    SamplingParams s = req.sampling();
    StringBuilder sb = new StringBuilder(160 + tokens.length * 7).append("{\"model\":");
    JsonStrings.appendQuoted(sb, pc.config().model()).append(",\"prompt\":[");
    for (int i = 0; i < tokens.length; i++) {
      if (i > 0) {
        sb.append(',');
      }
      sb.append(tokens[i]);
    }
    sb.append("],\"max_tokens\":").append(maxTokens)
        .append(",\"stream\":true,\"stream_options\":{\"include_usage\":true}");
    if (s.temperature() != null) {
      sb.append(",\"temperature\":").append(s.temperature());
    }
    if (s.topP() != null) {
      sb.append(",\"top_p\":").append(s.topP());
    }
    if (s.seed() != null) {
      sb.append(",\"seed\":").append(s.seed());
    }
    if (s.ignoreEos() != null) {
      sb.append(",\"ignore_eos\":").append(s.ignoreEos());
    }
    if (s.minTokens() != null) {
      sb.append(",\"min_tokens\":").append(s.minTokens());
    }
    if (s.stop() != null) {
      sb.append(",\"stop\":[");
      for (int i = 0; i < s.stop().size(); i++) {
        if (i > 0) {
          sb.append(',');
        }
        JsonStrings.appendQuoted(sb, s.stop().get(i));
      }
      sb.append(']');
    }
    return Buffer.buffer(sb.append('}').toString());
  }
}

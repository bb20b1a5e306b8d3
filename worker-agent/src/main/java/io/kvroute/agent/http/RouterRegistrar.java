package io.kvroute.agent.http;

import io.kvroute.agent.AgentConfig;
import io.kvroute.agent.AgentMetrics;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.client.WebClientOptions;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Announces the agent to every {@code --router-url} and repeats the announcement as a heartbeat every 2 s
 * (DESIGN §4). Routers that are down are retried at the next beat; the agent works without any router. While
 * the engine is unreachable no heartbeat is sent (nor load metrics), so routers let this worker expire.
 *
 * <p>Request: {@code POST <router>/v1/workers} with
 * <pre>
 * {"worker_id": "worker-0",                       // string id, topic of the KV stream
 *  "url": "http://127.0.0.1:8100",                // agent HTTP base URL (proxy + recovery endpoints)
 *  "events_endpoint": "tcp://127.0.0.1:5557",     // ZMQ PUB of KV batches
 *  "metrics_endpoint": "tcp://127.0.0.1:5657",    // ZMQ PUB of load metrics
 *  "block_size": 32,                              // tokens per block
 *  "model": "Qwen/Qwen2.5-0.5B-Instruct",
 *  "dp_size": 1}                                  // data-parallel ranks served by this worker
 * </pre>
 * Any 2xx answer counts as registered.
 */
public final class RouterRegistrar {

  private static final Logger LOG = LoggerFactory.getLogger(RouterRegistrar.class);
  static final long HEARTBEAT_MS = 2000;

  private final Vertx vertx;
  private final AgentConfig config;
  private final Supplier<JsonObject> body;
  private final AgentMetrics metrics;
  private final WebClient client;
  private final Map<String, Boolean> registered = new ConcurrentHashMap<>();
  private long timer = -1;
  private volatile boolean stopped;

  public RouterRegistrar(Vertx vertx, AgentConfig config, Supplier<JsonObject> body, AgentMetrics metrics) {
    this.vertx = vertx;
    this.config = config;
    this.body = body;
    this.metrics = metrics;
    this.client = WebClient.create(vertx, new WebClientOptions().setConnectTimeout(1000));
  }

  /** The registration JSON for this agent. */
  public static JsonObject body(AgentConfig config, AgentHttpVerticle.Endpoints e) {
    return new JsonObject()
        .put("worker_id", config.workerId())
        .put("url", e.url())
        .put("events_endpoint", e.eventsEndpoint())
        .put("metrics_endpoint", e.metricsEndpoint())
        .put("block_size", config.blockSize())
        .put("model", config.model())
        .put("dp_size", config.dpSize());
  }

  public void start() {
    if (config.routerUrls().isEmpty()) {
      return;
    }
    firstBeat();
  }

  /** Announces as soon as the engine is up (checked every 100 ms), then every 2 s. */
  private void firstBeat() {
    if (stopped) {
      return;
    }
    if (body.get() == null) {
      vertx.setTimer(100, id -> firstBeat());
      return;
    }
    beat();
    timer = vertx.setPeriodic(HEARTBEAT_MS, id -> beat());
  }

  public void stop() {
    stopped = true;
    if (timer >= 0) {
      vertx.cancelTimer(timer);
    }
    client.close();
  }

  private void beat() {
    JsonObject json = body.get();
    if (json == null) {
      metrics.registration("skipped_engine_down");
      return;
    }
    for (String router : config.routerUrls()) {
      String url = (router.endsWith("/") ? router.substring(0, router.length() - 1) : router) + "/v1/workers";
      client.postAbs(url).timeout(1500).sendJsonObject(json).onComplete(ar -> {
        boolean ok = ar.succeeded() && ar.result().statusCode() / 100 == 2;
        metrics.registration(ok ? "ok" : "error");
        Boolean before = registered.put(router, ok);
        if (ok && !Boolean.TRUE.equals(before)) {
          LOG.info("event=registered router={} worker_id={}", router, config.workerId());
        } else if (!ok && !Boolean.FALSE.equals(before)) {
          LOG.warn("event=registration_failed router={} error=\"{}\"", router,
              ar.succeeded() ? "http " + ar.result().statusCode() : ar.cause().getMessage());
        }
      });
    }
  }
}

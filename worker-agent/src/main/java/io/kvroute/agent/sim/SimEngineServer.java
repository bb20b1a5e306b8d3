package io.kvroute.agent.sim;

import io.kvroute.common.tokenizer.ModelTokenizer;
import io.vertx.core.Future;
import io.vertx.core.Vertx;

/**
 * A running simulated engine: the {@link SimEngine} thread plus its HTTP surface deployed on a Vert.x instance.
 * Used standalone by {@link SimEngineMain} and embedded by the agent's {@code sim} engine kind.
 */
public final class SimEngineServer {

  private final Vertx vertx;
  private final SimEngine engine;
  private final SimHttpVerticle verticle;
  private String deploymentId;

  private SimEngineServer(Vertx vertx, SimEngine engine, SimHttpVerticle verticle) {
    this.vertx = vertx;
    this.engine = engine;
    this.verticle = verticle;
  }

  /** Starts an engine and its HTTP server; the future completes once it listens. */
  public static Future<SimEngineServer> start(Vertx vertx, SimConfig config, ModelTokenizer tokenizer) {
    SimEngine engine = new SimEngine(config, new TokenizerTextModel(tokenizer)).start();
    SimHttpVerticle verticle = new SimHttpVerticle(engine, tokenizer);
    SimEngineServer server = new SimEngineServer(vertx, engine, verticle);
    return vertx.deployVerticle(verticle)
        .map(id -> {
          server.deploymentId = id;
          return server;
        })
        .onFailure(e -> engine.close());
  }

  public int port() {
    return verticle.actualPort();
  }

  /** Base URL on the bound host, e.g. {@code http://127.0.0.1:40123}. */
  public String baseUrl() {
    String host = engine.config().host();
    if ("0.0.0.0".equals(host)) {
      host = "127.0.0.1";
    }
    return "http://" + host + ":" + port();
  }

  public SimEngine engine() {
    return engine;
  }

  /** Stops the HTTP server and the engine thread (in-flight requests fail). */
  public Future<Void> stop() {
    Future<Void> undeploy = deploymentId == null ? Future.succeededFuture() : vertx.undeploy(deploymentId);
    return undeploy.eventually(() -> {
      engine.close();
      return Future.succeededFuture();
    });
  }
}

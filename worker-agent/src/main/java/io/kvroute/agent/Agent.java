package io.kvroute.agent;

import io.kvroute.agent.engine.EngineAdapter;
import io.kvroute.agent.engine.EngineHttpProbe;
import io.kvroute.agent.engine.TrtllmAdapter;
import io.kvroute.agent.engine.ZmqAdapter;
import io.kvroute.agent.events.KvEventLog;
import io.kvroute.agent.http.AgentHttpVerticle;
import io.kvroute.agent.http.RouterRegistrar;
import io.kvroute.agent.publish.ZmqPublisher;
import io.kvroute.agent.sim.SimEngineServer;
import io.kvroute.common.codec.LoadMetrics;
import io.kvroute.common.tokenizer.ModelTokenizer;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One running worker agent: engine adapter → normalisation → {@link KvEventLog} (seq, block table, replay ring)
 * → {@link ZmqPublisher} (KV events + load metrics), plus the HTTP API and router registration.
 * <pre>
 * engine ──(trtllm HTTP poll | zmq SUB | sim in-process)──▶ adapter thread ──▶ KvEventLog ──▶ publisher thread
 *                                                                                 │              ZMQ PUB ×2
 *                                            AgentHttpVerticle (proxy, recovery) ◀┘
 * </pre>
 */
public final class Agent {

  private static final Logger LOG = LoggerFactory.getLogger(Agent.class);

  private final Vertx vertx;
  private final AgentConfig config;
  private final AgentMetrics metrics;
  private final AtomicReference<EngineAdapter> adapter = new AtomicReference<>();
  private ZmqPublisher publisher;
  private KvEventLog log;
  private SimEngineServer sim;
  private AgentHttpVerticle http;
  private String httpDeployment;
  private RouterRegistrar registrar;

  private Agent(Vertx vertx, AgentConfig config, PrometheusMeterRegistry registry) {
    this.vertx = vertx;
    this.config = config;
    this.metrics = new AgentMetrics(() -> {
      EngineAdapter a = adapter.get();
      return a != null && a.engineUp();
    }, registry);
  }

  /** Starts every part with its own metrics registry. */
  public static Future<Agent> start(Vertx vertx, AgentConfig config) {
    return start(vertx, config, AgentMetrics.registry(config.workerId()));
  }

  /**
   * Starts every part; the future completes when the agent serves HTTP and publishes. {@code registry} comes from
   * {@link AgentMetrics#registry(String)}.
   */
  public static Future<Agent> start(Vertx vertx, AgentConfig config, PrometheusMeterRegistry registry) {
    Agent agent = new Agent(vertx, config, registry);
    return agent.startAll().map(agent).recover(err -> agent.stop().transform(v -> Future.failedFuture(err)));
  }

  private Future<Void> startAll() {
    return vertx.executeBlocking(() -> {
      publisher = new ZmqPublisher(config.bindHost(), config.kvEventsPort(), config.metricsPort(),
          config.workerId(), this::currentLoad).start();
      log = new KvEventLog(config.workerId(), config.blockSize(), config.replayBuffer(), metrics, publisher);
      return null;
    }).compose(v -> startEngine())
        .compose(a -> {
          adapter.set(a);
          a.start();
          http = new AgentHttpVerticle(config, log, metrics, adapter::get, this::endpoints);
          return vertx.deployVerticle(http);
        })
        .compose(id -> {
          httpDeployment = id;
          registrar = new RouterRegistrar(vertx, config, this::registration, metrics);
          registrar.start();
          LOG.info("event=agent_started worker_id={} engine={} http_port={} kv_port={} metrics_port={} block_size={}",
              config.workerId(), config.engine(), httpPort(), kvEventsPort(), metricsPort(), config.blockSize());
          return Future.<Void>succeededFuture();
        });
  }

  private Future<EngineAdapter> startEngine() {
    switch (config.engine()) {
      case "sim":
        return vertx.executeBlocking(() -> config.tokenizerDir() == null || config.tokenizerDir().isEmpty()
                ? ModelTokenizer.loadBundled() : ModelTokenizer.load(Path.of(config.tokenizerDir())))
            .compose(tok -> SimEngineServer.start(vertx, config.sim(), tok))
            .map(server -> {
              sim = server;
              return new TrtllmAdapter("sim", server.baseUrl(), config.blockSize(), log, metrics);
            });
      case "trtllm":
        return Future.succeededFuture(new TrtllmAdapter("trtllm", config.engineUrl(), config.blockSize(), log,
            metrics));
      default:
        return Future.succeededFuture(new ZmqAdapter(config.engineEventsEndpoints(), config.engineReplayEndpoints(),
            config.engineUrl(), config.blockSize(), log, metrics, this::proxyLoad,
            new EngineHttpProbe(config.engineHealthUrl(), config.engineMetricsUrl(), metrics)));
    }
  }

  /**
   * The load to publish, or null while the engine is unreachable: routers then see this worker's metrics (and
   * heartbeats) stop and mark it down after their TTL instead of routing to a dead engine.
   */
  private LoadMetrics currentLoad() {
    EngineAdapter a = adapter.get();
    return a == null || !a.engineUp() ? null : a.load();
  }

  private LoadMetrics proxyLoad() {
    AgentHttpVerticle h = http;
    int inFlight = h == null ? 0 : h.inFlight();
    return new LoadMetrics(0, 0.0, inFlight, 0, 0, null, 0.0);
  }

  /** The advertised endpoints (for /v1/info and registration). */
  public AgentHttpVerticle.Endpoints endpoints() {
    String host = config.advertiseHost();
    return new AgentHttpVerticle.Endpoints("http://" + host + ":" + httpPort(),
        "tcp://" + host + ":" + kvEventsPort(), "tcp://" + host + ":" + metricsPort());
  }

  /** The registration body, or null (no heartbeat) while the engine is unreachable. */
  private io.vertx.core.json.JsonObject registration() {
    EngineAdapter a = adapter.get();
    if (a == null || !a.engineUp()) {
      return null;
    }
    AgentHttpVerticle.Endpoints e = endpoints();
    return RouterRegistrar.body(config, e);
  }

  public int httpPort() {
    return http == null ? -1 : http.actualPort();
  }

  public int kvEventsPort() {
    return publisher.kvPort();
  }

  public int metricsPort() {
    return publisher.metricsPort();
  }

  public AgentMetrics metrics() {
    return metrics;
  }

  public KvEventLog eventLog() {
    return log;
  }

  /** The embedded simulated engine (engine = sim), else null. */
  public SimEngineServer simEngine() {
    return sim;
  }

  public AgentConfig config() {
    return config;
  }

  /** Stops registration, HTTP, the adapter, the embedded engine and the publisher, in that order. */
  public Future<Void> stop() {
    if (registrar != null) {
      registrar.stop();
    }
    Future<Void> undeploy = httpDeployment == null ? Future.succeededFuture() : vertx.undeploy(httpDeployment);
    return undeploy.eventually(() -> vertx.executeBlocking(() -> {
      EngineAdapter a = adapter.get();
      if (a != null) {
        a.close();
      }
      return null;
    })).eventually(() -> sim == null ? Future.succeededFuture() : sim.stop())
        .eventually(() -> vertx.executeBlocking(() -> {
          if (publisher != null) {
            publisher.close();
          }
          return null;
        })).mapEmpty();
  }
}

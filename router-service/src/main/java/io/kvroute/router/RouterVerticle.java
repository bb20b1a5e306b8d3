package io.kvroute.router;

import io.kvroute.router.cluster.ReplicaCluster;
import io.kvroute.router.core.RouterCore;
import io.kvroute.router.core.RouterCoreConfig;
import io.kvroute.router.http.ApiContext;
import io.kvroute.router.http.HttpApiVerticle;
import io.kvroute.router.ingest.AgentRecoveryClient;
import io.kvroute.router.ingest.KvEventIngest;
import io.kvroute.router.ingest.MetricsIngest;
import io.kvroute.router.metrics.RouterMetrics;
import io.kvroute.router.metrics.VertxMetrics;
import io.kvroute.router.registry.WorkerRegistry;
import io.kvroute.router.registry.WorkerSpec;
import io.kvroute.router.service.RoutingService;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import java.time.Clock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The router service: core index and policies, worker registry, the KV-event and metrics ingest threads, agent
 * recovery client, and the HTTP API (several {@link HttpApiVerticle} instances sharing the port).
 */
public final class RouterVerticle extends VerticleBase {

  private static final Logger LOG = LoggerFactory.getLogger(RouterVerticle.class);

  /** Builds the worker registry; the default is the in-memory one (a replicated deployment plugs its own). */
  public interface RegistryFactory {
    WorkerRegistry create(io.vertx.core.Vertx vertx, RouterConfig config, Clock clock);

    RegistryFactory LOCAL = (vertx, config, clock) -> WorkerRegistry.local(config.blockSize(), config.workerTtl(),
        config.downGrace(), clock);
  }

  private final RouterConfig config;
  private final Clock clock;
  private final RegistryFactory registryFactory;
  private final PrometheusMeterRegistry meterRegistry;
  private RouterMetrics metrics;
  private RouterCore core;
  private WorkerRegistry registry;
  private AgentRecoveryClient recovery;
  private KvEventIngest kvIngest;
  private MetricsIngest metricsIngest;
  private RoutingService routing;
  private ReplicaCluster cluster;
  private long sweepTimer = -1;
  private int port;

  public RouterVerticle(RouterConfig config) {
    this(config, Clock.systemUTC());
  }

  public RouterVerticle(RouterConfig config, Clock clock) {
    this(config, clock, RegistryFactory.LOCAL);
  }

  public RouterVerticle(RouterConfig config, Clock clock, RegistryFactory registryFactory) {
    this(config, clock, registryFactory, null);
  }

  /**
   * @param meterRegistry the registry the router's meters go to; pass the one the Vert.x instance reports its own
   *     metrics to ({@link VertxMetrics#vertx}) so {@code /metrics} shows both; null = a private registry
   */
  public RouterVerticle(RouterConfig config, Clock clock, RegistryFactory registryFactory,
      PrometheusMeterRegistry meterRegistry) {
    this.config = config;
    this.clock = clock;
    this.registryFactory = registryFactory;
    this.meterRegistry = meterRegistry;
  }

  @Override
  public Future<?> start() {
    metrics = meterRegistry == null ? new RouterMetrics() : new RouterMetrics(meterRegistry);
    RouterCoreConfig coreConfig = new RouterCoreConfig(config.blockSize(), config.policy(), config.overlapCredit(),
        config.prefillLoadScale(), config.requestWeight(), config.temperature(), config.requestExpiry(),
        System.nanoTime());
    core = RouterCore.create(coreConfig, clock);
    registry = registryFactory.create(vertx, config, clock);
    recovery = new AgentRecoveryClient(vertx, config.recoveryTimeout().toMillis());
    kvIngest = new KvEventIngest(config.blockSize(), core, registry, recovery, metrics, clock::millis,
        config.liveOnly().afterFailures(), config.liveOnly().retry().toMillis(), config.recoveryTimeout().toMillis())
        .start();
    metricsIngest = new MetricsIngest(core, registry, metrics).start();
    registry.addListener(kvIngest);
    registry.addListener(metricsIngest);
    metrics.bind(core, registry);
    routing = new RoutingService(core, registry, metrics, config.policy());
    for (WorkerSpec w : config.staticWorkers()) {
      registry.register(w, "static");
    }
    sweepTimer = vertx.setPeriodic(500, id -> {
      registry.sweep();
      int expired = core.expireStale();
      if (expired > 0) {
        LOG.warn("stale bookings expired count={}", expired);
      }
    });
    return startCluster().compose(apiRegistry -> deployHttp(ApiContext.create(routing, apiRegistry, metrics,
        config.blockSize(), config.policy(), config.maxBodyBytes())))
        .recover(err -> cluster == null ? Future.failedFuture(err)
            : cluster.close(vertx).transform(ar -> Future.failedFuture(err)));
  }

  /**
   * With {@code --cluster}: joins the replicas; the HTTP API then registers, removes and drains through the shared
   * registry and every booking is published. Without it nothing of the cluster package (or Hazelcast) is loaded.
   */
  private Future<WorkerRegistry> startCluster() {
    if (!config.cluster().enabled()) {
      return Future.succeededFuture(registry);
    }
    return ReplicaCluster.start(vertx, config, core, registry, metrics.registry()).map(c -> {
      cluster = c;
      registry = c.registry();
      routing.addLoadListener(c.loadListener());
      LOG.info("router replica replica_id={} members={}", c.replicaId(), c.members());
      return registry;
    });
  }

  private Future<?> deployHttp(ApiContext api) {
    // Port 0 becomes a negative port: Vert.x shares one random port among the servers asking for the same negative
    // value (per Vert.x instance, so each router picks its own value).
    int listenPort = config.routerPort() == 0 ? -1 - java.util.concurrent.ThreadLocalRandom.current().nextInt(30_000)
        : config.routerPort();
    java.util.List<HttpApiVerticle> instances = new java.util.concurrent.CopyOnWriteArrayList<>();
    return vertx.deployVerticle(() -> {
      HttpApiVerticle v = new HttpApiVerticle(api, config.host(), listenPort);
      instances.add(v);
      return v;
    }, new DeploymentOptions().setInstances(config.httpInstances()))
        .onSuccess(id -> port = instances.get(0).actualPort())
        .onSuccess(v -> LOG.info("router http listening host={} port={} instances={}", config.host(), port,
            config.httpInstances()));
  }

  /** The HTTP port actually bound (differs from the configured one when that was 0). */
  public int actualPort() {
    return port;
  }

  public RouterCore core() {
    return core;
  }

  public WorkerRegistry registry() {
    return registry;
  }

  /** The routing service (load-delta hooks for replicas: {@link RoutingService#addLoadListener}). */
  public RoutingService routing() {
    return routing;
  }

  public RouterMetrics metrics() {
    return metrics;
  }

  /** The replica membership (null without {@code --cluster}). */
  public ReplicaCluster cluster() {
    return cluster;
  }

  /** Completes once the ingest thread has run every command queued before this call. */
  public java.util.concurrent.CompletableFuture<Void> ingestBarrier() {
    return kvIngest.barrier();
  }

  @Override
  public Future<?> stop() {
    if (sweepTimer >= 0) {
      vertx.cancelTimer(sweepTimer);
    }
    Future<Void> left = cluster == null ? Future.succeededFuture() : cluster.close(vertx);
    return left.eventually(this::closeLocal);
  }

  private Future<Void> closeLocal() {
    if (kvIngest != null) {
      kvIngest.close();
    }
    if (metricsIngest != null) {
      metricsIngest.close();
    }
    if (recovery != null) {
      recovery.close();
    }
    if (core != null) {
      core.close();
    }
    return Future.succeededFuture();
  }
}

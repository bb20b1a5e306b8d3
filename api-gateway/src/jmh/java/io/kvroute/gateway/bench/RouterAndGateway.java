package io.kvroute.gateway.bench;

import io.kvroute.common.tokenizer.ModelTokenizer;
import io.kvroute.common.tokenizer.SegmentCacheStats;
import io.kvroute.gateway.GatewayConfig;
import io.kvroute.gateway.GatewayVerticle;
import io.kvroute.router.RouterConfig;
import io.kvroute.router.RouterVerticle;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.Vertx;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A router-service and a gateway started in this JVM on loopback ports, each on its own Vert.x instance (named for
 * {@link CpuMeter}): the system under test of the latency benchmark, whether it shares this JVM with the load
 * ({@link GatewayUnderTest#inProcess}) or runs in a JVM of its own ({@link GatewayHostProcess}).
 */
final class RouterAndGateway implements AutoCloseable {

  private final Vertx routerVertx;
  private final RouterVerticle router;
  private final Vertx gatewayVertx;
  private final GatewayVerticle gateway;
  private final ModelTokenizer tokenizer;
  private SegmentCacheStats cacheAtStart;
  private long inlineAtStart;
  private long pooledAtStart;

  private RouterAndGateway(Vertx routerVertx, RouterVerticle router, Vertx gatewayVertx, GatewayVerticle gateway,
      ModelTokenizer tokenizer) {
    this.routerVertx = routerVertx;
    this.router = router;
    this.gatewayVertx = gatewayVertx;
    this.gateway = gateway;
    this.tokenizer = tokenizer;
  }

  /** Starts both; the gateway gets its default flags plus {@code gatewayFlags} (its own CLI syntax). */
  static RouterAndGateway start(List<String> gatewayFlags) throws Exception {
    Vertx routerVertx = Vertx.vertx();
    RouterVerticle router = new RouterVerticle(RouterConfig.from(RouterConfig.options().parse(new String[] {
        "--router-port", "0", "--host", "127.0.0.1", "--http-instances", "1"}, Map.of())));
    routerVertx.deployVerticle(router).await(30, TimeUnit.SECONDS);
    // The gateway's own tokenizer (the agents' simulated engines share the bundled one).
    List<String> flags = new ArrayList<>(List.of("--host", "127.0.0.1", "--http-port", "0", "--router-url",
        "http://127.0.0.1:" + router.actualPort()));
    flags.addAll(gatewayFlags);
    GatewayConfig gwConfig = GatewayConfig.from(GatewayConfig.options().parse(flags.toArray(String[]::new),
        Map.of()));
    ModelTokenizer tokenizer = gwConfig.loadTokenizer();
    Vertx gatewayVertx = Vertx.vertx();
    GatewayVerticle gateway = new GatewayVerticle(gwConfig, tokenizer,
        new PrometheusMeterRegistry(PrometheusConfig.DEFAULT));
    gatewayVertx.deployVerticle(gateway).await(30, TimeUnit.SECONDS);
    CpuMeter.name(routerVertx, "router");
    CpuMeter.name(gatewayVertx, "gw");
    return new RouterAndGateway(routerVertx, router, gatewayVertx, gateway, tokenizer);
  }

  int routerPort() {
    return router.actualPort();
  }

  int gatewayPort() {
    return gateway.actualPort();
  }

  /** Begins a steady window: resets the gateway's interval histograms and notes the segment cache counters. */
  void windowStart() {
    gateway.metrics().preUpstreamInterval();
    gateway.metrics().tokenizerQueueInterval();
    gateway.metrics().tokenizerRunInterval();
    gateway.metrics().tokenizerInlineInterval();
    inlineAtStart = gateway.metrics().inlineTokenised();
    pooledAtStart = gateway.metrics().pooledTokenised();
    cacheAtStart = tokenizer.segmentCacheStats();
  }

  /** The gateway's figures since {@link #windowStart}, or null when no window is open. */
  GatewayUnderTest.Window windowEnd() {
    if (cacheAtStart == null) {
      return null;
    }
    SegmentCacheStats now = tokenizer.segmentCacheStats();
    GatewayUnderTest.Window w = new GatewayUnderTest.Window(gateway.metrics().preUpstreamInterval(),
        gateway.metrics().tokenizerQueueInterval(), gateway.metrics().tokenizerRunInterval(),
        gateway.metrics().tokenizerInlineInterval(), now.hits() - cacheAtStart.hits(),
        now.misses() - cacheAtStart.misses(), gateway.metrics().inlineTokenised() - inlineAtStart,
        gateway.metrics().pooledTokenised() - pooledAtStart);
    cacheAtStart = null;
    return w;
  }

  @Override
  public void close() throws Exception {
    gatewayVertx.close().await(10, TimeUnit.SECONDS);
    routerVertx.close().await(10, TimeUnit.SECONDS);
  }
}

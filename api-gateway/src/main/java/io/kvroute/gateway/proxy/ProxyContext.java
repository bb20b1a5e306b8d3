package io.kvroute.gateway.proxy;

import io.kvroute.gateway.GatewayConfig;
import io.kvroute.gateway.metrics.GatewayMetrics;
import io.kvroute.gateway.route.RouterClient;
import io.kvroute.gateway.route.WorkerDirectory;
import io.vertx.core.http.HttpClient;

/**
 * What every {@link ProxyExchange} shares: the routers, the fallback worker cache, the pooled client to the
 * agents, metrics and configuration.
 */
public record ProxyContext(
    GatewayConfig config,
    RouterClient routers,
    WorkerDirectory directory,
    HttpClient agents,
    GatewayMetrics metrics) {
}

package io.kvroute.router.metrics;

import static io.kvroute.router.TestSupport.get;
import static org.assertj.core.api.Assertions.assertThat;

import io.kvroute.router.RouterConfig;
import io.kvroute.router.RouterVerticle;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.Vertx;
import java.time.Clock;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Vert.x HTTP server metrics and the router's own meters come out of the same /metrics scrape. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class VertxMetricsTest {

  @Test
  void shouldExposeVertxHttpServerMetricsNextToRouterMeters() throws Exception {
    PrometheusMeterRegistry meters = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    Vertx vertx = VertxMetrics.vertx(meters);
    try {
      RouterConfig config = RouterConfig.from(RouterConfig.options().parse(new String[] {"--router-port", "0",
          "--host", "127.0.0.1", "--http-instances", "1"}, Map.of()));
      RouterVerticle router = new RouterVerticle(config, Clock.systemUTC(), RouterVerticle.RegistryFactory.LOCAL,
          meters);
      vertx.deployVerticle(router).await();
      int port = router.actualPort();
      assertThat(get(port, "/health").statusCode()).isEqualTo(200);
      String body = get(port, "/metrics").body();
      assertThat(body).contains("vertx_http_server_requests_total")
          .contains("kvroute_router_workers");
      assertThat(body).containsPattern("vertx_http_server_requests_total\\{[^}]*code=\"200\"[^}]*} [1-9]");
      assertThat(router.metrics().registry()).isSameAs(meters);
    } finally {
      vertx.close().await();
    }
  }
}

package io.kvroute.router.metrics;

import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.micrometer.MicrometerMetricsFactory;
import io.vertx.micrometer.MicrometerMetricsOptions;

/**
 * A Vert.x instance that reports its HTTP server/client (and pool, event bus) metrics to {@code registry}, the same
 * registry {@link RouterMetrics} writes to, so one {@code /metrics} scrape shows both (as worker-agent does).
 */
public final class VertxMetrics {

  private VertxMetrics() {
  }

  public static Vertx vertx(PrometheusMeterRegistry registry) {
    return vertx(registry, new VertxOptions());
  }

  /** The same with {@code options} as the base (e.g. a fixed event-loop pool size, as the load benchmark uses). */
  public static Vertx vertx(PrometheusMeterRegistry registry, VertxOptions options) {
    return Vertx.builder()
        .with(options.setPreferNativeTransport(true)
            .setMetricsOptions(new MicrometerMetricsOptions().setEnabled(true)))
        .withMetrics(new MicrometerMetricsFactory(registry))
        .build();
  }
}

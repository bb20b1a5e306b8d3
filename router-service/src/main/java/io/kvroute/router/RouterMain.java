package io.kvroute.router;

import io.kvroute.common.config.CliOptions;
import io.kvroute.router.metrics.VertxMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.Vertx;
import java.time.Clock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Entry point of router-service: parses the CLI, deploys {@link RouterVerticle}, stops cleanly on SIGTERM. */
public final class RouterMain {

  private static final Logger LOG = LoggerFactory.getLogger(RouterMain.class);

  private RouterMain() {
  }

  public static void main(String[] args) {
    CliOptions options = RouterConfig.options();
    RouterConfig config;
    try {
      CliOptions.Parsed parsed = options.parse(args);
      if (parsed.helpRequested()) {
        System.out.print(options.help());
        return;
      }
      config = RouterConfig.from(parsed);
    } catch (CliOptions.UsageException e) {
      System.err.println("router-service: " + e.getMessage());
      System.err.print(options.help());
      System.exit(2);
      return;
    }
    PrometheusMeterRegistry meters = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    Vertx vertx = VertxMetrics.vertx(meters);
    RouterVerticle verticle = new RouterVerticle(config, Clock.systemUTC(), RouterVerticle.RegistryFactory.LOCAL,
        meters);
    vertx.deployVerticle(verticle)
        .onSuccess(id -> LOG.info("router started port={} block_size={} policy={} static_workers={}",
            verticle.actualPort(), config.blockSize(), config.policy(), config.staticWorkers().size()))
        .onFailure(err -> {
          LOG.error("router failed to start error=\"{}\"", err.toString());
          vertx.close().onComplete(v -> System.exit(1));
        });
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      try {
        vertx.close().await(10, java.util.concurrent.TimeUnit.SECONDS);
      } catch (Exception e) {
        // Exiting anyway.
      }
    }, "router-shutdown"));
  }
}

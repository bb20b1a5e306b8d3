package io.kvroute.gateway;

import io.kvroute.common.config.CliOptions;
import io.kvroute.common.tokenizer.ModelTokenizer;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.micrometer.MicrometerMetricsFactory;
import io.vertx.micrometer.MicrometerMetricsOptions;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Entry point of the api-gateway service (CLI: TEAM.md; every option also reads KVROUTE_*). */
public final class GatewayMain {

  private static final Logger LOG = LoggerFactory.getLogger(GatewayMain.class);

  private GatewayMain() {
  }

  public static void main(String[] args) {
    CliOptions options = GatewayConfig.options();
    GatewayConfig config;
    int instances;
    try {
      CliOptions.Parsed parsed = options.parse(args);
      if (parsed.helpRequested()) {
        System.out.print(options.help());
        return;
      }
      config = GatewayConfig.from(parsed);
      instances = parsed.countOrAuto("instances", Math.max(1, Runtime.getRuntime().availableProcessors()));
    } catch (CliOptions.UsageException e) {
      System.err.println("api-gateway: " + e.getMessage() + "\n\n" + options.help());
      System.exit(2);
      return;
    }
    ModelTokenizer tokenizer;
    try {
      tokenizer = config.loadTokenizer();
    } catch (Exception e) {
      LOG.error("event=tokenizer_load_failed dir={} error={}", config.tokenizerDir(), e.toString());
      System.exit(1);
      return;
    }
    PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    Vertx vertx = Vertx.builder()
        .with(new VertxOptions().setMetricsOptions(new MicrometerMetricsOptions().setEnabled(true)))
        .withMetrics(new MicrometerMetricsFactory(registry))
        .build();
    vertx.deployVerticle(() -> new GatewayVerticle(config, tokenizer, registry),
            new DeploymentOptions().setInstances(instances))
        .onSuccess(id -> LOG.info("event=gateway_deployed instances={} port={}", instances, config.httpPort()))
        .onFailure(e -> {
          LOG.error("event=gateway_start_failed error={}", e.toString());
          vertx.close();
          System.exit(1);
        });
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      try {
        vertx.close().await(5, TimeUnit.SECONDS);
      } catch (Exception e) {
        // exiting anyway
      }
    }, "gateway-shutdown"));
  }
}

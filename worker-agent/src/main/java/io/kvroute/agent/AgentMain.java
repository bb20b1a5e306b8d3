package io.kvroute.agent;

import io.kvroute.common.config.CliOptions;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.micrometer.MicrometerMetricsFactory;
import io.vertx.micrometer.MicrometerMetricsOptions;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Entry point of the worker agent: {@code java -jar worker-agent.jar --worker-index 0 --engine sim}. */
public final class AgentMain {

  private static final Logger LOG = LoggerFactory.getLogger(AgentMain.class);

  private AgentMain() {
  }

  public static void main(String[] args) {
    CliOptions cli = AgentConfig.options();
    AgentConfig config;
    try {
      CliOptions.Parsed p = cli.parse(args);
      if (p.helpRequested()) {
        System.out.print(cli.help());
        return;
      }
      config = AgentConfig.from(p);
    } catch (CliOptions.UsageException | IllegalArgumentException e) {
      System.err.println(e.getMessage());
      System.err.print(cli.help());
      System.exit(2);
      return;
    }
    PrometheusMeterRegistry registry = AgentMetrics.registry(config.workerId());
    Vertx vertx = Vertx.builder()
        .with(new VertxOptions().setMetricsOptions(new MicrometerMetricsOptions().setEnabled(true)))
        .withMetrics(new MicrometerMetricsFactory(registry))
        .build();
    Agent.start(vertx, config, registry)
        .onSuccess(agent -> Runtime.getRuntime().addShutdownHook(new Thread(() -> {
          try {
            // two separate waits: a callback chained on a context would never run once Vert.x is closed
            agent.stop().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
            vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
          } catch (Exception e) {
            LOG.warn("event=agent_stop_failed error=\"{}\"", e.toString());
          }
        }, "agent-shutdown")))
        .onFailure(e -> {
          LOG.error("event=agent_start_failed error=\"{}\"", e.toString());
          vertx.close();
          System.exit(1);
        });
  }
}

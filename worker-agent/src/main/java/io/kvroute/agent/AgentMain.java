package io.kvroute.agent;

import io.kvroute.common.config.CliOptions;
import io.vertx.core.Vertx;
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
    Vertx vertx = Vertx.vertx();
    Agent.start(vertx, config)
        .onSuccess(agent -> Runtime.getRuntime().addShutdownHook(new Thread(() -> {
          try {
            agent.stop().toCompletionStage().toCompletableFuture().get();
          } catch (Exception e) {
            LOG.warn("event=agent_stop_failed error=\"{}\"", e.toString());
          }
        })))
        .onFailure(e -> {
          LOG.error("event=agent_start_failed error=\"{}\"", e.toString());
          vertx.close();
          System.exit(1);
        });
  }
}

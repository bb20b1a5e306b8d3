package io.kvroute.agent.sim;

import io.kvroute.common.config.CliOptions;
import io.kvroute.common.tokenizer.ModelTokenizer;
import io.vertx.core.Vertx;
import java.nio.file.Path;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs one simulated TensorRT-LLM engine on its own:
 * {@code java -cp worker-agent.jar io.kvroute.agent.sim.SimEngineMain --port 8001 --num-blocks 4096}.
 */
public final class SimEngineMain {

  private static final Logger LOG = LoggerFactory.getLogger(SimEngineMain.class);

  private SimEngineMain() {
  }

  public static CliOptions options() {
    return CliOptions.create("SimEngineMain", "Simulated TensorRT-LLM engine serving the trtllm-serve HTTP API.")
        .option("host", "0.0.0.0", "address to bind")
        .option("port", "8001", "HTTP port")
        .option("model", SimConfig.DEFAULT_MODEL, "model name to serve")
        .option("tokenizer-dir", "", "HF tokenizer directory (empty = bundled Qwen2.5 files)")
        .option("block-size", "32", "tokens per KV block")
        .option("num-blocks", "16384", "KV cache capacity in blocks")
        .option("max-batch-size", "64", "most requests per step")
        .option("max-num-tokens", "8192", "most tokens per step (chunked prefill)")
        .option("speedup", "1.0", "divide every simulated duration by this")
        .option("window-size", "32768", "attention window reported on KV events")
        .option("max-model-len", "32768", "longest prompt + output in tokens");
  }

  public static void main(String[] args) {
    CliOptions cli = options();
    SimConfig config;
    String tokenizerDir;
    try {
      CliOptions.Parsed p = cli.parse(args);
      if (p.helpRequested()) {
        System.out.print(cli.help());
        return;
      }
      config = new SimConfig(p.string("host"), p.integer("port"), p.string("model"), p.integer("block-size"),
          p.integer("num-blocks"), p.integer("max-batch-size"), p.integer("max-num-tokens"), p.decimal("speedup"),
          p.integer("window-size"), 100_000, p.integer("max-model-len"));
      tokenizerDir = p.string("tokenizer-dir");
    } catch (CliOptions.UsageException | IllegalArgumentException e) {
      System.err.println(e.getMessage());
      System.err.print(cli.help());
      System.exit(2);
      return;
    }
    ModelTokenizer tokenizer = tokenizerDir == null || tokenizerDir.isEmpty()
        ? ModelTokenizer.loadBundled() : ModelTokenizer.load(Path.of(tokenizerDir));
    Vertx vertx = Vertx.vertx();
    SimEngineServer.start(vertx, config, tokenizer)
        .onSuccess(s -> LOG.info("event=sim_engine_ready url={}", s.baseUrl()))
        .onFailure(e -> {
          LOG.error("event=sim_engine_start_failed error=\"{}\"", e.toString());
          vertx.close();
          System.exit(1);
        });
  }
}

package io.kvroute.perf;

import io.kvroute.common.config.CliOptions;
import io.kvroute.common.tokenizer.ModelTokenizer;
import io.kvroute.perf.client.RequestResult;
import io.kvroute.perf.client.RequestSpec;
import io.kvroute.perf.client.StreamingClient;
import io.kvroute.perf.prompt.BlockTokenMapper;
import io.kvroute.perf.prompt.TokenVocabulary;
import io.kvroute.perf.prompt.TokenizerVocabulary;
import io.kvroute.perf.prompt.Workloads;
import io.kvroute.perf.report.ComparisonTable;
import io.kvroute.perf.report.ReportWriter;
import io.kvroute.perf.run.LoadRunner;
import io.kvroute.perf.run.Progress;
import io.kvroute.perf.stats.RouterDecisionCounts;
import io.kvroute.perf.stats.RunSummary;
import io.kvroute.perf.stats.SummaryBuilder;
import io.kvroute.perf.trace.IdealHitRate;
import io.kvroute.perf.trace.MooncakeTraceReader;
import io.kvroute.perf.trace.TraceFormatException;
import io.kvroute.perf.trace.TraceRequest;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.io.PrintStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * kvroute's load generator. Subcommands:
 * <ul>
 *   <li>{@code synthetic}: the reference perf.sh workload (fixed ISL/OSL, N unique prompts, closed-loop concurrency)
 *   <li>{@code trace}: Mooncake JSONL replay on its timestamps (time-scaled), prompts from deterministic blocks
 *   <li>{@code ideal}: the ideal prefix hit rate of a trace slice
 *   <li>{@code table}: a Markdown table of several JSON reports
 * </ul>
 * This is a command-line tool, so it prints to stdout/stderr directly.
 */
public final class LoadGenMain {

  private static final String DEFAULT_MODEL = "Qwen/Qwen2.5-0.5B-Instruct";

  private LoadGenMain() {
  }

  public static void main(String[] args) {
    System.exit(run(args, System.out, System.err));
  }

  static int run(String[] args, PrintStream out, PrintStream err) {
    if (args.length == 0 || args[0].equals("--help") || args[0].equals("-h") || args[0].equals("help")) {
      out.println(usage());
      return args.length == 0 ? 2 : 0;
    }
    String cmd = args[0];
    String[] rest = Arrays.copyOfRange(args, 1, args.length);
    try {
      return switch (cmd) {
        case "synthetic" -> synthetic(rest, out, err);
        case "trace" -> trace(rest, out, err);
        case "ideal" -> ideal(rest, out);
        case "table" -> table(rest, out);
        default -> {
          err.println("loadgen: unknown command '" + cmd + "'\n" + usage());
          yield 2;
        }
      };
    } catch (CliOptions.UsageException | IllegalArgumentException e) {
      err.println("loadgen " + cmd + ": " + e.getMessage());
      return 2;
    } catch (TraceFormatException | IOException e) {
      err.println("loadgen " + cmd + ": " + e.getMessage());
      return 1;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      err.println("loadgen " + cmd + ": interrupted");
      return 130;
    }
  }

  static String usage() {
    return """
        Usage: java -jar perf/target/perf.jar <command> [options]   (each command has --help)

        Commands:
          synthetic   the reference perf.sh workload (chat, streaming, ISL 3000, OSL 100, concurrency 25,
                      100 requests, 10 unique prompts, seed 42) against the gateway
          trace       replay a Mooncake JSONL trace (hash_ids = 512-token blocks) on its timestamps
          ideal       print the ideal prefix hit rate of a trace slice
          table       print a Markdown table comparing JSON reports (--run FILE, repeatable)""";
  }

  private static CliOptions common(String program, String description) {
    return CliOptions.create(program, description)
        .option("url", "http://127.0.0.1:8000", "gateway base URL")
        .option("model", DEFAULT_MODEL, "model name sent in requests")
        .option("api", "chat", "chat | completions | completions-tokens (prompt as token ids)")
        .option("tokenizer-dir", "", "tokenizer files (tokenizer.json ...); empty = the bundled Qwen2.5")
        .option("seed", "42", "random seed of the prompts")
        .option("label", "", "run label in reports (default: the command name)")
        .option("out-dir", "perf/results", "directory for the JSON, CSV and HTML reports")
        .option("name", "", "report file name without extension (default: <label>-<time>)")
        .option("workers", "0", "number of workers (for the max/mean worker share; 0 = those seen)")
        .option("request-timeout", "600", "per-request timeout, seconds")
        .option("api-key", "", "bearer token for the gateway")
        .option("router-url", "", "router base URL: per-worker counts from its /metrics when responses carry no "
            + "x-kvroute-worker header (empty = off)")
        .flag("no-progress", "do not print the progress line");
  }

  private static int synthetic(String[] args, PrintStream out, PrintStream err)
      throws CliOptions.UsageException, IOException, InterruptedException {
    CliOptions cli = common("loadgen synthetic",
        "The reference perf.sh workload: fixed input/output lengths, a few unique prompts, closed-loop concurrency.")
        .option("isl", "3000", "input tokens per prompt (user message, exact)")
        .option("osl", "100", "output tokens (min_tokens = max_tokens, ignore_eos)")
        .option("concurrency", "25", "requests in flight")
        .option("requests", "100", "total requests")
        .option("unique-prompts", "10", "distinct prompts (request i uses prompt i mod N)");
    CliOptions.Parsed p = cli.parse(args);
    if (p.helpRequested()) {
      out.println(cli.help());
      return 0;
    }
    TokenVocabulary vocab = vocabulary(p, err);
    Workloads.Api api = Workloads.Api.parse(p.string("api"));
    List<RequestSpec> specs = Workloads.synthetic(vocab, p.string("model"), api, p.integer("isl"),
        p.integer("osl"), p.integer("requests"), p.integer("unique-prompts"), p.longValue("seed"));
    JsonObject config = config(p, "synthetic").put("isl", p.integer("isl")).put("osl", p.integer("osl"))
        .put("concurrency", p.integer("concurrency")).put("requests", p.integer("requests"))
        .put("unique_prompts", p.integer("unique-prompts"));
    // Ideal: every request after the first use of its prompt could reuse the whole prompt.
    int requestCount = p.integer("requests");
    double ideal = (requestCount - Math.min(requestCount, p.integer("unique-prompts"))) / (double) requestCount;
    return execute(p, "synthetic", specs, p.integer("concurrency"), false, ideal, config, out, err);
  }

  private static int trace(String[] args, PrintStream out, PrintStream err)
      throws CliOptions.UsageException, IOException, InterruptedException, TraceFormatException {
    CliOptions cli = traceOptions(common("loadgen trace",
        "Replays a Mooncake JSONL trace: each hash id becomes a deterministic 512-token block; requests are sent at "
            + "their timestamps times --time-scale and generate exactly their output length."))
        .option("time-scale", "1.0", "multiply trace timestamps by this (0.1 = ten times faster; 0 = all at once)")
        .option("concurrency", "0", "cap on requests in flight (0 = none; a capped request is sent late)");
    CliOptions.Parsed p = cli.parse(args);
    if (p.helpRequested()) {
      out.println(cli.help());
      return 0;
    }
    List<TraceRequest> requests = readTrace(p);
    IdealHitRate ideal = IdealHitRate.of(requests);
    err.printf(Locale.ROOT, "loadgen trace: %d requests from %s (offset %d), ideal hit rate %.1f%% of tokens "
        + "(%.1f%% of blocks)%n", requests.size(), p.string("trace"), p.integer("offset"),
        100 * ideal.tokenHitRate(), 100 * ideal.blockHitRate());
    TokenVocabulary vocab = vocabulary(p, err);
    BlockTokenMapper mapper = new BlockTokenMapper(vocab.size(), TraceRequest.MOONCAKE_BLOCK_TOKENS,
        p.longValue("seed"));
    Workloads.Api api = Workloads.Api.parse(p.string("api"));
    double scale = p.decimal("time-scale");
    List<RequestSpec> specs = Workloads.trace(vocab, mapper, p.string("model"), api, requests, scale);
    JsonObject config = config(p, "trace").put("trace", p.string("trace")).put("offset", p.integer("offset"))
        .put("limit", p.integer("limit")).put("time_scale", scale).put("concurrency", p.integer("concurrency"))
        .put("max_input_tokens", p.integer("max-input-tokens")).put("max_output_tokens", p.integer("max-output-tokens"))
        .put("ideal_block_hit_rate", ideal.blockHitRate()).put("ideal_token_hit_rate", ideal.tokenHitRate());
    return execute(p, "trace", specs, p.integer("concurrency"), true, ideal.tokenHitRate(), config, out, err);
  }

  private static CliOptions traceOptions(CliOptions cli) {
    return cli.option("trace", "../shared/traces/mooncake_conversation_trace.jsonl", "Mooncake JSONL trace file")
        .option("offset", "0", "skip this many requests first (start of a contiguous slice)")
        .option("limit", "0", "replay at most this many requests (0 = all)")
        .option("max-input-tokens", "0", "clip each prompt to this many tokens (0 = no clip)")
        .option("max-output-tokens", "0", "clip each output to this many tokens (0 = no clip)");
  }

  private static List<TraceRequest> readTrace(CliOptions.Parsed p)
      throws CliOptions.UsageException, IOException, TraceFormatException {
    List<TraceRequest> raw = MooncakeTraceReader.read(Path.of(p.string("trace")), p.integer("offset"),
        p.integer("limit"));
    if (raw.isEmpty()) {
      throw new IllegalArgumentException("no requests in the selected slice of " + p.string("trace"));
    }
    return Workloads.clip(raw, p.integer("max-input-tokens"), p.integer("max-output-tokens"));
  }

  private static int ideal(String[] args, PrintStream out)
      throws CliOptions.UsageException, IOException, TraceFormatException {
    CliOptions cli = traceOptions(CliOptions.create("loadgen ideal",
        "The ideal prefix hit rate of a trace slice: the share of blocks (and tokens) whose prefix appeared in an "
            + "earlier request, as one infinite cache would hit."));
    CliOptions.Parsed p = cli.parse(args);
    if (p.helpRequested()) {
      out.println(cli.help());
      return 0;
    }
    List<TraceRequest> requests = readTrace(p);
    IdealHitRate ideal = IdealHitRate.of(requests);
    long span = requests.get(requests.size() - 1).timestampMs() - requests.get(0).timestampMs();
    Long2Count unique = Long2Count.of(requests);
    out.println(new JsonObject().put("requests", requests.size()).put("span_ms", span)
        .put("blocks", ideal.blocks()).put("unique_blocks", unique.uniqueBlocks())
        .put("hit_blocks", ideal.hitBlocks()).put("tokens", ideal.tokens()).put("hit_tokens", ideal.hitTokens())
        .put("ideal_block_hit_rate", ideal.blockHitRate()).put("ideal_token_hit_rate", ideal.tokenHitRate())
        .encode());
    return 0;
  }

  /** Unique block count of a slice (the working set, in 512-token blocks). */
  private record Long2Count(long uniqueBlocks) {
    static Long2Count of(List<TraceRequest> requests) {
      java.util.HashSet<Long> set = new java.util.HashSet<>();
      for (TraceRequest r : requests) {
        for (long id : r.hashIds()) {
          set.add(id);
        }
      }
      return new Long2Count(set.size());
    }
  }

  private static int table(String[] args, PrintStream out) throws CliOptions.UsageException, IOException {
    CliOptions cli = CliOptions.create("loadgen table", "A Markdown table comparing JSON reports.")
        .repeatable("run", "a JSON report written by synthetic or trace");
    CliOptions.Parsed p = cli.parse(args);
    if (p.helpRequested() || !p.has("run")) {
      out.println(cli.help());
      return p.helpRequested() ? 0 : 2;
    }
    List<RunSummary> runs = new ArrayList<>();
    for (String f : p.list("run")) {
      runs.add(RunSummary.fromJson(new JsonObject(Files.readString(Path.of(f), StandardCharsets.UTF_8))));
    }
    out.print(ComparisonTable.markdown(runs));
    return 0;
  }

  private static JsonObject config(CliOptions.Parsed p, String mode) throws CliOptions.UsageException {
    return new JsonObject().put("mode", mode).put("url", p.string("url")).put("model", p.string("model"))
        .put("api", p.string("api")).put("seed", p.longValue("seed"));
  }

  private static TokenVocabulary vocabulary(CliOptions.Parsed p, PrintStream err) throws IOException {
    String dir = p.string("tokenizer-dir");
    long t0 = System.nanoTime();
    ModelTokenizer tokenizer = dir == null || dir.isEmpty() ? ModelTokenizer.loadBundled()
        : ModelTokenizer.load(Path.of(dir));
    TokenVocabulary vocab = TokenizerVocabulary.build(tokenizer, 4096, tokenizer.vocabSize());
    err.printf(Locale.ROOT, "loadgen: %d single-token words from the %s tokenizer (%.1f s)%n", vocab.size(),
        tokenizer.modelName(), (System.nanoTime() - t0) / 1e9);
    return vocab;
  }

  private static int execute(CliOptions.Parsed p, String mode, List<RequestSpec> specs, int concurrency,
      boolean openLoop, double idealHitRate, JsonObject config, PrintStream out, PrintStream err)
      throws CliOptions.UsageException, IOException, InterruptedException {
    String label = p.string("label").isEmpty() ? mode : p.string("label");
    String name = p.string("name").isEmpty()
        ? label + "-" + java.time.LocalDateTime.now().format(java.time.format.DateTimeFormatter.ofPattern(
            "yyyyMMdd-HHmmss"))
        : p.string("name");
    config.put("label", label);
    ExecutorService pool = Executors.newFixedThreadPool(2, r -> {
      Thread t = new Thread(r, "loadgen-http");
      t.setDaemon(true);
      return t;
    });
    List<RequestResult> results;
    URI routerUrl = p.string("router-url").isEmpty() ? null : URI.create(p.string("router-url"));
    Map<String, Double> decisionsBefore = routerUrl == null ? null : scrapeQuietly(routerUrl, err);
    try {
      StreamingClient client = new StreamingClient(URI.create(p.string("url")),
          Duration.ofSeconds(p.integer("request-timeout")), p.string("api-key"), pool);
      boolean showProgress = !p.bool("no-progress");
      Progress progress = new Progress(specs.size(), showProgress ? err : nullStream(), System.console() != null);
      err.printf(Locale.ROOT, "loadgen %s: %d requests to %s%s (%s)%n", mode, specs.size(), p.string("url"),
          specs.isEmpty() ? "" : specs.get(0).path(), concurrency == 0 ? "no concurrency cap"
              : (openLoop ? "at most " : "") + concurrency + " in flight");
      results = new LoadRunner(client, concurrency, openLoop).run(specs, progress);
    } finally {
      pool.shutdownNow();
    }
    RunSummary summary = SummaryBuilder.summarize(label, mode, results, idealHitRate, p.integer("workers"));
    if (summary.perWorker().isEmpty() && decisionsBefore != null) {
      Map<String, Double> after = scrapeQuietly(routerUrl, err);
      if (after != null) {
        summary = SummaryBuilder.withWorkers(summary, RouterDecisionCounts.delta(decisionsBefore, after),
            p.integer("workers"));
        config.put("requests_per_worker_source", "router " + RouterDecisionCounts.METRIC);
      }
    } else {
      config.put("requests_per_worker_source", "response header " + StreamingClient.WORKER_HEADER);
    }
    ReportWriter.Files3 files = ReportWriter.write(Path.of(p.string("out-dir")), name, summary, config, results);
    out.print(ComparisonTable.markdown(List.of(summary)));
    out.printf(Locale.ROOT, "reports: %s %s %s%n", files.json(), files.csv(), files.html());
    if (summary.firstError() != null) {
      err.println("loadgen: " + summary.errors() + " requests failed; first: " + summary.firstError());
    }
    return summary.errors() == summary.requests() ? 1 : 0;
  }

  private static Map<String, Double> scrapeQuietly(URI routerUrl, PrintStream err) throws InterruptedException {
    try {
      return RouterDecisionCounts.scrape(routerUrl);
    } catch (IOException | RuntimeException e) {
      err.println("loadgen: cannot read the router's decision counters: " + e.getMessage());
      return null;
    }
  }

  private static PrintStream nullStream() {
    return new PrintStream(java.io.OutputStream.nullOutputStream());
  }
}

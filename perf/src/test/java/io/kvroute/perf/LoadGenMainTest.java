package io.kvroute.perf;

import static org.assertj.core.api.Assertions.assertThat;

import io.kvroute.perf.stats.RunSummary;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.json.JsonObject;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The command line end to end: trace replay against an OpenAI-style SSE server on loopback, ideal, table. */
class LoadGenMainTest {

  private Vertx vertx;
  private HttpServer server;
  private final List<JsonObject> bodies = new ArrayList<>();
  private final ByteArrayOutputStream out = new ByteArrayOutputStream();
  private final ByteArrayOutputStream err = new ByteArrayOutputStream();

  @BeforeEach
  void start() throws Exception {
    vertx = Vertx.vertx();
    server = vertx.createHttpServer().requestHandler(req -> req.body().onSuccess(buf -> {
      JsonObject body = buf.toJsonObject();
      int n;
      synchronized (bodies) {
        n = bodies.size();
        bodies.add(body);
      }
      int prompt = body.getJsonArray("messages").getJsonObject(0).getString("content").split(" ", -1).length - 1;
      int tokens = body.getInteger("max_tokens");
      var resp = req.response().setChunked(true).putHeader("content-type", "text/event-stream")
          .putHeader("x-kvroute-worker", "worker-" + (n % 2));
      for (int i = 0; i < tokens; i++) {
        resp.write("data: {\"choices\":[{\"delta\":{\"content\":\"t\"}}]}\n\n");
      }
      resp.write("data: {\"choices\":[],\"usage\":{\"prompt_tokens\":" + prompt + ",\"completion_tokens\":" + tokens
          + ",\"prompt_tokens_details\":{\"cached_tokens\":" + (n == 0 ? 0 : 512) + "}}}\n\n");
      resp.end("data: [DONE]\n\n");
    })).listen(0, "127.0.0.1").await(10, TimeUnit.SECONDS);
  }

  @AfterEach
  void stop() throws Exception {
    vertx.close().await(10, TimeUnit.SECONDS);
  }

  private int run(String... args) {
    return LoadGenMain.run(args, new PrintStream(out, true, StandardCharsets.UTF_8),
        new PrintStream(err, true, StandardCharsets.UTF_8));
  }

  @Test
  void shouldReplayATraceSliceAndWriteReports(@TempDir Path dir) throws Exception {
    Path trace = dir.resolve("trace.jsonl");
    Files.writeString(trace, """
        {"timestamp": 0, "input_length": 600, "output_length": 3, "hash_ids": [1, 2]}
        {"timestamp": 10, "input_length": 700, "output_length": 2, "hash_ids": [1, 3]}
        {"timestamp": 20, "input_length": 900, "output_length": 4, "hash_ids": [1, 3]}
        {"timestamp": 30, "input_length": 100, "output_length": 1, "hash_ids": [9]}
        """);
    int code = run("trace", "--trace", trace.toString(), "--offset", "1", "--limit", "2", "--time-scale", "0.5",
        "--url", "http://127.0.0.1:" + server.actualPort(), "--out-dir", dir.toString(), "--name", "r",
        "--label", "kv", "--workers", "2", "--no-progress");
    assertThat(code).as(err.toString()).isZero();
    assertThat(bodies).hasSize(2);
    // Arrival order at the server is not guaranteed (the two sends are 5 ms apart).
    assertThat(bodies).extracting(b -> b.getInteger("max_tokens")).containsExactlyInAnyOrder(2, 4);
    assertThat(bodies).allMatch(b -> b.getBoolean("ignore_eos"));

    RunSummary s = RunSummary.fromJson(new JsonObject(Files.readString(dir.resolve("r.json"))));
    assertThat(s.requests()).isEqualTo(2);
    assertThat(s.errors()).isZero();
    assertThat(s.promptTokens()).isEqualTo(1600);
    assertThat(s.cachedTokens()).isEqualTo(512);
    // slice = requests 2 and 3: request 3 repeats both blocks of request 2 (its 900 tokens: 1024 capped to 900).
    assertThat(s.idealHitRate()).isEqualTo(Math.round(900.0 / 1600 * 10_000) / 10_000.0);
    assertThat(s.perWorker()).containsOnlyKeys("worker-0", "worker-1");
    assertThat(dir.resolve("r.csv")).exists();
    assertThat(Files.readString(dir.resolve("r.html"))).contains("<svg");
    assertThat(out.toString()).contains("| kv | 2 | 0 |");

    out.reset();
    assertThat(run("table", "--run", dir.resolve("r.json").toString())).isZero();
    assertThat(out.toString()).startsWith("| policy |").contains("| kv | 2 | 0 | 32.0% |");

    out.reset();
    assertThat(run("ideal", "--trace", trace.toString())).isZero();
    JsonObject ideal = new JsonObject(out.toString().trim());
    assertThat(ideal.getInteger("requests")).isEqualTo(4);
    assertThat(ideal.getInteger("unique_blocks")).isEqualTo(4);
    assertThat(ideal.getInteger("hit_blocks")).isEqualTo(3);
  }

  @Test
  void shouldExplainUsageErrors(@TempDir Path dir) {
    assertThat(run("nope")).isEqualTo(2);
    assertThat(run("trace", "--bogus", "1")).isEqualTo(2);
    assertThat(err.toString()).contains("unknown option --bogus");
    assertThat(run("trace", "--trace", dir.resolve("missing.jsonl").toString())).isEqualTo(1);
    assertThat(run("synthetic", "--help")).isZero();
    assertThat(out.toString()).contains("--isl").contains("default 3000");
  }
}

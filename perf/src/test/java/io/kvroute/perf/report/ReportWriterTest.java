package io.kvroute.perf.report;

import static org.assertj.core.api.Assertions.assertThat;

import io.kvroute.perf.client.RequestResult;
import io.kvroute.perf.stats.RunSummary;
import io.kvroute.perf.stats.SummaryBuilder;
import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ReportWriterTest {

  private static final long MS = 1_000_000L;

  private final List<RequestResult> results = List.of(
      new RequestResult(1, 5 * MS, 200, null, 40 * MS, 80 * MS, 81 * MS, 5, 3000, 2048, 5, "worker-1"),
      new RequestResult(0, 0, 200, null, 120 * MS, 200 * MS, 201 * MS, 5, 3000, 0, 5, "worker-0"),
      new RequestResult(2, 9 * MS, 500, "HTTP 500: boom, \"bad\"", -1, -1, 3 * MS, 0, -1, -1, 0, null));

  @Test
  void shouldWriteJsonThatReadsBackCsvRowsAndASelfContainedHtml(@TempDir Path dir) throws Exception {
    RunSummary summary = SummaryBuilder.summarize("kv <1>", "trace", results, 0.75, 2);
    ReportWriter.Files3 files = ReportWriter.write(dir, "run", summary, new JsonObject().put("seed", 42), results);

    JsonObject json = new JsonObject(Files.readString(files.json()));
    assertThat(json.getJsonObject("config").getInteger("seed")).isEqualTo(42);
    RunSummary back = RunSummary.fromJson(json);
    assertThat(back.requests()).isEqualTo(3);
    assertThat(back.errors()).isEqualTo(1);
    assertThat(back.hitRate()).isEqualTo(summary.toJson().getDouble("hit_rate"));
    assertThat(back.idealHitRate()).isEqualTo(0.75);
    assertThat(back.ttft().p50()).isEqualTo(summary.ttft().p50());
    assertThat(back.perWorker()).isEqualTo(summary.perWorker());

    List<String> csv = Files.readAllLines(files.csv());
    assertThat(csv).hasSize(4);
    assertThat(csv.get(0)).isEqualTo(ReportWriter.CSV_HEADER);
    assertThat(csv.get(1)).startsWith("0,0.000,200,120.000,20.000,201.000,3000,0,5,5,worker-0,");
    assertThat(csv.get(3)).endsWith(",\"HTTP 500: boom, \"\"bad\"\"\"");

    String html = Files.readString(files.html());
    assertThat(html).startsWith("<!DOCTYPE html>").contains("<svg").contains("kv &lt;1&gt;")
        .contains("worker-0").contains("worker-1");
    assertThat(html).doesNotContain("<script").doesNotContain("src=").doesNotContain("href=");
    assertThat(html.replace("xmlns=\"http://www.w3.org/2000/svg\"", "")).doesNotContain("http://")
        .doesNotContain("https://");
  }

  @Test
  void shouldPrintOneTableRowPerRunWithTheShareOfIdeal() {
    RunSummary kv = SummaryBuilder.summarize("kv", "trace", results, 0.5, 2);
    String table = ComparisonTable.markdown(List.of(kv, SummaryBuilder.summarize("random", "trace", results,
        Double.NaN, 2)));
    assertThat(table.lines()).hasSize(4);
    assertThat(table.lines().skip(2).findFirst().orElseThrow()).startsWith("| kv | 3 | 1 | 34.1% | 68% |");
    assertThat(table.lines().skip(3).findFirst().orElseThrow()).contains("| n/a |");
  }
}

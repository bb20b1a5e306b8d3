package io.kvroute.perf.report;

import io.kvroute.perf.client.RequestResult;
import io.kvroute.perf.stats.LatencySummary;
import io.kvroute.perf.stats.RunSummary;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * Writes one run's reports next to each other: {@code NAME.json} (summary + config), {@code NAME.csv} (one row
 * per request) and {@code NAME.html} (self-contained: tables and inline SVG charts, no scripts, no CDN).
 */
public final class ReportWriter {

  /** The three files written. */
  public record Files3(Path json, Path csv, Path html) {
  }

  private ReportWriter() {
  }

  public static Files3 write(Path dir, String name, RunSummary summary, JsonObject config,
      List<RequestResult> results) throws IOException {
    Files.createDirectories(dir);
    Files3 out = new Files3(dir.resolve(name + ".json"), dir.resolve(name + ".csv"), dir.resolve(name + ".html"));
    Files.writeString(out.json(), json(summary, config).encodePrettily() + "\n", StandardCharsets.UTF_8);
    try (Writer w = Files.newBufferedWriter(out.csv(), StandardCharsets.UTF_8)) {
      writeCsv(w, results);
    }
    Files.writeString(out.html(), html(summary, config, results), StandardCharsets.UTF_8);
    return out;
  }

  public static JsonObject json(RunSummary summary, JsonObject config) {
    return summary.toJson().put("config", config);
  }

  public static final String CSV_HEADER = "index,sent_at_ms,status,ttft_ms,itl_ms,e2e_ms,prompt_tokens,cached_tokens,"
      + "output_tokens,chunks,worker,error";

  public static void writeCsv(Appendable w, List<RequestResult> results) throws IOException {
    w.append(CSV_HEADER).append('\n');
    List<RequestResult> sorted = new ArrayList<>(results);
    sorted.sort(Comparator.comparingInt(RequestResult::index));
    for (RequestResult r : sorted) {
      w.append(Integer.toString(r.index())).append(',')
          .append(ms(r.sentAtNanos())).append(',')
          .append(Integer.toString(r.status())).append(',')
          .append(ms(r.ttftNanos())).append(',')
          .append(ms(r.itlNanos())).append(',')
          .append(ms(r.e2eNanos())).append(',')
          .append(Integer.toString(r.promptTokens())).append(',')
          .append(Integer.toString(r.cachedTokens())).append(',')
          .append(Integer.toString(r.outputTokens())).append(',')
          .append(Integer.toString(r.chunks())).append(',')
          .append(csv(r.worker())).append(',')
          .append(csv(r.error())).append('\n');
    }
  }

  private static String ms(long nanos) {
    return nanos < 0 ? "" : String.format(Locale.ROOT, "%.3f", nanos / 1e6);
  }

  static String csv(String s) {
    if (s == null) {
      return "";
    }
    if (s.indexOf(',') < 0 && s.indexOf('"') < 0 && s.indexOf('\n') < 0) {
      return s;
    }
    return '"' + s.replace("\"", "\"\"").replace('\n', ' ') + '"';
  }

  public static String html(RunSummary s, JsonObject config, List<RequestResult> results) {
    StringBuilder h = new StringBuilder(64 * 1024);
    h.append("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n<title>kvroute load report: ")
        .append(Html.escape(s.label())).append("</title>\n<style>body{font-family:sans-serif;margin:24px;}"
            + "table{border-collapse:collapse;margin:8px 0 20px;}td,th{border:1px solid #ccc;padding:4px 8px;"
            + "text-align:right;}th{background:#f3f3f3;}td:first-child,th:first-child{text-align:left;}"
            + ".charts svg{margin:6px;border:1px solid #eee;}</style></head><body>\n");
    h.append("<h1>kvroute load report: ").append(Html.escape(s.label())).append(" (").append(Html.escape(s.mode()))
        .append(")</h1>\n");
    h.append("<table><tr><th>metric</th><th>value</th></tr>\n");
    row(h, "requests", Long.toString(s.requests()));
    row(h, "errors", Long.toString(s.errors()));
    row(h, "duration", fmt("%.1f s", s.durationSeconds()));
    row(h, "request throughput", fmt("%.2f req/s", s.requestThroughput()));
    row(h, "output token throughput", fmt("%.1f tok/s", s.outputTokenThroughput()));
    row(h, "prefix hit rate (cached / prompt tokens)", fmt("%.1f %%", 100 * s.hitRate()));
    if (!Double.isNaN(s.idealHitRate())) {
      row(h, "ideal hit rate (workload)", fmt("%.1f %%", 100 * s.idealHitRate()));
    }
    row(h, "max worker share (max / mean requests)", fmt("%.2f", s.maxWorkerShare()));
    if (s.firstError() != null) {
      row(h, "first error", Html.escape(s.firstError()));
    }
    h.append("</table>\n<h2>Latency (ms)</h2>\n<table><tr><th>metric</th><th>mean</th><th>p50</th><th>p90</th>"
        + "<th>p99</th><th>max</th><th>count</th></tr>\n");
    latencyRow(h, "time to first token", s.ttft());
    latencyRow(h, "inter-token latency", s.itl());
    latencyRow(h, "end-to-end", s.e2e());
    h.append("</table>\n<h2>Requests per worker</h2>\n<table><tr><th>worker</th><th>requests</th></tr>\n");
    for (Map.Entry<String, Long> e : new TreeMap<>(s.perWorker()).entrySet()) {
      row(h, Html.escape(e.getKey()), Long.toString(e.getValue()));
    }
    h.append("</table>\n<h2>Charts</h2>\n<div class=\"charts\">\n");
    charts(h, s, results);
    h.append("</div>\n<h2>Configuration</h2>\n<pre>").append(Html.escape(config.encodePrettily()))
        .append("</pre>\n</body></html>\n");
    return h.toString();
  }

  private static void charts(StringBuilder h, RunSummary s, List<RequestResult> results) {
    List<RequestResult> ok = results.stream().filter(RequestResult::ok).toList();
    Map<String, Integer> workerIndex = new TreeMap<>();
    for (String w : new TreeMap<>(s.perWorker()).keySet()) {
      workerIndex.put(w, workerIndex.size());
    }
    List<Svg.Point> ttftOverTime = new ArrayList<>();
    List<Svg.Point> hitOverTime = new ArrayList<>();
    long[] ttfts = new long[ok.size()];
    for (int i = 0; i < ok.size(); i++) {
      RequestResult r = ok.get(i);
      int series = r.worker() == null ? 0 : workerIndex.getOrDefault(r.worker(), 0);
      ttftOverTime.add(new Svg.Point(r.sentAtNanos() / 1e9, r.ttftNanos() / 1e6, series));
      if (r.promptTokens() > 0 && r.cachedTokens() >= 0) {
        hitOverTime.add(new Svg.Point(r.sentAtNanos() / 1e9, 100.0 * r.cachedTokens() / r.promptTokens(), series));
      }
      ttfts[i] = r.ttftNanos();
    }
    java.util.Arrays.sort(ttfts);
    List<Svg.Point> cdf = new ArrayList<>();
    int step = Math.max(1, ttfts.length / 400);
    for (int i = 0; i < ttfts.length; i += step) {
      cdf.add(new Svg.Point(ttfts[i] / 1e6, 100.0 * (i + 1) / ttfts.length, 0));
    }
    if (ttfts.length > 0) {
      cdf.add(new Svg.Point(ttfts[ttfts.length - 1] / 1e6, 100.0, 0));
    }
    h.append(Svg.scatter("TTFT distribution (CDF)", "TTFT (ms)", "% of requests", cdf, true));
    h.append(Svg.scatter("TTFT by send time (colour = worker)", "send time (s)", "TTFT (ms)", ttftOverTime, false));
    h.append(Svg.scatter("Prefix hit per request (colour = worker)", "send time (s)", "cached / prompt tokens (%)",
        hitOverTime, false));
    List<String> labels = new ArrayList<>(workerIndex.keySet());
    List<Double> counts = new ArrayList<>();
    for (String w : labels) {
      counts.add(s.perWorker().get(w).doubleValue());
    }
    h.append(Svg.bars("Requests per worker", "requests", labels, counts));
    List<String> pl = List.of("p50", "p90", "p99", "max");
    LatencySummary t = s.ttft();
    h.append(Svg.bars("TTFT percentiles", "ms", pl, List.of(t.p50(), t.p90(), t.p99(), t.max())));
  }

  private static void row(StringBuilder h, String k, String v) {
    h.append("<tr><td>").append(k).append("</td><td>").append(v).append("</td></tr>\n");
  }

  private static void latencyRow(StringBuilder h, String name, LatencySummary l) {
    h.append("<tr><td>").append(name).append("</td>");
    for (double v : new double[] {l.mean(), l.p50(), l.p90(), l.p99(), l.max()}) {
      h.append("<td>").append(fmt("%.1f", v)).append("</td>");
    }
    h.append("<td>").append(l.count()).append("</td></tr>\n");
  }

  private static String fmt(String f, double v) {
    return String.format(Locale.ROOT, f, v);
  }
}

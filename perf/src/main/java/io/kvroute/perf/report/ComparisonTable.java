package io.kvroute.perf.report;

import io.kvroute.perf.stats.RunSummary;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/** A Markdown table comparing runs (one row per run, e.g. per router policy). */
public final class ComparisonTable {

  private ComparisonTable() {
  }

  public static String markdown(List<RunSummary> runs) {
    StringBuilder sb = new StringBuilder();
    sb.append("| policy | requests | errors | hit rate | % of ideal | TTFT p50 ms | TTFT p90 ms | TTFT p99 ms "
        + "| ITL p50 ms | e2e p50 ms | req/s | out tok/s | max/mean worker | requests per worker |\n");
    sb.append("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|\n");
    for (RunSummary r : runs) {
      String ofIdeal = Double.isNaN(r.idealHitRate()) || r.idealHitRate() <= 0 ? "n/a"
          : f("%.0f%%", 100 * r.hitRate() / r.idealHitRate());
      StringBuilder workers = new StringBuilder();
      for (Map.Entry<String, Long> e : new TreeMap<>(r.perWorker()).entrySet()) {
        if (workers.length() > 0) {
          workers.append(' ');
        }
        workers.append(e.getValue());
      }
      sb.append("| ").append(r.label())
          .append(" | ").append(r.requests())
          .append(" | ").append(r.errors())
          .append(" | ").append(f("%.1f%%", 100 * r.hitRate()))
          .append(" | ").append(ofIdeal)
          .append(" | ").append(f("%.0f", r.ttft().p50()))
          .append(" | ").append(f("%.0f", r.ttft().p90()))
          .append(" | ").append(f("%.0f", r.ttft().p99()))
          .append(" | ").append(f("%.1f", r.itl().p50()))
          .append(" | ").append(f("%.0f", r.e2e().p50()))
          .append(" | ").append(f("%.2f", r.requestThroughput()))
          .append(" | ").append(f("%.0f", r.outputTokenThroughput()))
          .append(" | ").append(f("%.2f", r.maxWorkerShare()))
          .append(" | ").append(workers)
          .append(" |\n");
    }
    return sb.toString();
  }

  private static String f(String fmt, double v) {
    return String.format(Locale.ROOT, fmt, v);
  }
}

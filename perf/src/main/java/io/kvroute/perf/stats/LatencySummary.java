package io.kvroute.perf.stats;

import io.vertx.core.json.JsonObject;
import org.HdrHistogram.Histogram;

/**
 * Distribution of one latency, in milliseconds. Values come from an HdrHistogram recorded in microseconds with
 * 3 significant digits, so percentiles are exact to 0.1%.
 */
public record LatencySummary(long count, double mean, double min, double p50, double p90, double p99, double max) {

  public static final LatencySummary EMPTY = new LatencySummary(0, 0, 0, 0, 0, 0, 0);

  /** A histogram for microsecond values up to one hour. */
  public static Histogram newHistogram() {
    return new Histogram(3_600_000_000L, 3);
  }

  /** Records a nanosecond value (negative = not observed, skipped). */
  public static void recordNanos(Histogram h, long nanos) {
    if (nanos >= 0) {
      h.recordValue(Math.min(h.getHighestTrackableValue(), Math.max(1, (nanos + 500) / 1000)));
    }
  }

  public static LatencySummary of(Histogram h) {
    if (h.getTotalCount() == 0) {
      return EMPTY;
    }
    return new LatencySummary(h.getTotalCount(), ms(h.getMean()), ms(h.getMinValue()),
        ms(h.getValueAtPercentile(50)), ms(h.getValueAtPercentile(90)), ms(h.getValueAtPercentile(99)),
        ms(h.getMaxValue()));
  }

  private static double ms(double micros) {
    return Math.round(micros) / 1000.0;
  }

  public JsonObject toJson() {
    return new JsonObject().put("count", count).put("mean_ms", mean).put("min_ms", min).put("p50_ms", p50)
        .put("p90_ms", p90).put("p99_ms", p99).put("max_ms", max);
  }

  public static LatencySummary fromJson(JsonObject o) {
    if (o == null) {
      return EMPTY;
    }
    return new LatencySummary(o.getLong("count", 0L), o.getDouble("mean_ms", 0.0), o.getDouble("min_ms", 0.0),
        o.getDouble("p50_ms", 0.0), o.getDouble("p90_ms", 0.0), o.getDouble("p99_ms", 0.0),
        o.getDouble("max_ms", 0.0));
  }
}

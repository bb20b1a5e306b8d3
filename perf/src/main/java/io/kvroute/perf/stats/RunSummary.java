package io.kvroute.perf.stats;

import io.vertx.core.json.JsonObject;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;

/**
 * The aggregate of one load-generator run, as written to the JSON report and read back by {@code table}.
 *
 * @param label run label (e.g. the router policy)
 * @param mode {@code synthetic} or {@code trace}
 * @param requests requests sent
 * @param errors requests that failed
 * @param durationSeconds first send → last completion
 * @param requestThroughput successful requests per second
 * @param outputTokenThroughput generated tokens per second
 * @param promptTokens sum of usage.prompt_tokens (successful requests that reported it)
 * @param cachedTokens sum of usage.prompt_tokens_details.cached_tokens
 * @param hitRate cachedTokens / promptTokens
 * @param idealHitRate best possible hit rate of the workload (tokens), or NaN when unknown
 * @param perWorker requests served per worker id
 * @param maxWorkerShare most-loaded worker's requests / mean requests per worker (1.0 = perfectly even)
 */
public record RunSummary(String label, String mode, long requests, long errors, double durationSeconds,
    double requestThroughput, double outputTokenThroughput, long promptTokens, long cachedTokens,
    double hitRate, double idealHitRate, LatencySummary ttft, LatencySummary itl, LatencySummary e2e,
    Map<String, Long> perWorker, double maxWorkerShare, String firstError) {

  public JsonObject toJson() {
    JsonObject workers = new JsonObject();
    new TreeMap<>(perWorker).forEach(workers::put);
    return new JsonObject()
        .put("label", label)
        .put("mode", mode)
        .put("requests", requests)
        .put("errors", errors)
        .put("duration_s", round(durationSeconds, 3))
        .put("request_throughput", round(requestThroughput, 3))
        .put("output_token_throughput", round(outputTokenThroughput, 1))
        .put("prompt_tokens", promptTokens)
        .put("cached_tokens", cachedTokens)
        .put("hit_rate", round(hitRate, 4))
        .put("ideal_hit_rate", Double.isNaN(idealHitRate) ? null : round(idealHitRate, 4))
        .put("ttft", ttft.toJson())
        .put("itl", itl.toJson())
        .put("e2e", e2e.toJson())
        .put("requests_per_worker", workers)
        .put("max_worker_share", round(maxWorkerShare, 3))
        .put("first_error", firstError);
  }

  public static RunSummary fromJson(JsonObject o) {
    Map<String, Long> workers = new LinkedHashMap<>();
    JsonObject w = o.getJsonObject("requests_per_worker", new JsonObject());
    for (String k : w.fieldNames()) {
      workers.put(k, w.getLong(k));
    }
    Double ideal = o.getDouble("ideal_hit_rate");
    return new RunSummary(o.getString("label", ""), o.getString("mode", ""), o.getLong("requests", 0L),
        o.getLong("errors", 0L), o.getDouble("duration_s", 0.0), o.getDouble("request_throughput", 0.0),
        o.getDouble("output_token_throughput", 0.0), o.getLong("prompt_tokens", 0L), o.getLong("cached_tokens", 0L),
        o.getDouble("hit_rate", 0.0), ideal == null ? Double.NaN : ideal,
        LatencySummary.fromJson(o.getJsonObject("ttft")), LatencySummary.fromJson(o.getJsonObject("itl")),
        LatencySummary.fromJson(o.getJsonObject("e2e")), workers, o.getDouble("max_worker_share", 0.0),
        o.getString("first_error"));
  }

  static double round(double v, int digits) {
    if (Double.isNaN(v) || Double.isInfinite(v)) {
      return v;
    }
    double f = Math.pow(10, digits);
    return Math.round(v * f) / f;
  }
}

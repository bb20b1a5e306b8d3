package io.kvroute.perf.stats;

import io.kvroute.perf.client.RequestResult;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.HdrHistogram.Histogram;

/** Aggregates per-request results into a {@link RunSummary}. Pure: no clock, no I/O. */
public final class SummaryBuilder {

  private SummaryBuilder() {
  }

  /**
   * @param workerCount workers known to exist (so an idle worker counts in the mean); 0 = only those seen
   */
  public static RunSummary summarize(String label, String mode, List<RequestResult> results, double idealHitRate,
      int workerCount) {
    Histogram ttft = LatencySummary.newHistogram();
    Histogram itl = LatencySummary.newHistogram();
    Histogram e2e = LatencySummary.newHistogram();
    Map<String, Long> perWorker = new TreeMap<>();
    long errors = 0;
    long outputTokens = 0;
    long prompt = 0;
    long cached = 0;
    long firstSend = Long.MAX_VALUE;
    long lastEnd = Long.MIN_VALUE;
    String firstError = null;
    for (RequestResult r : results) {
      firstSend = Math.min(firstSend, r.sentAtNanos());
      lastEnd = Math.max(lastEnd, r.sentAtNanos() + Math.max(0, r.e2eNanos()));
      if (!r.ok()) {
        errors++;
        if (firstError == null) {
          firstError = "request " + r.index() + ": " + r.error();
        }
        continue;
      }
      LatencySummary.recordNanos(ttft, r.ttftNanos());
      LatencySummary.recordNanos(itl, r.itlNanos());
      LatencySummary.recordNanos(e2e, r.e2eNanos());
      outputTokens += r.outputTokens();
      if (r.promptTokens() > 0 && r.cachedTokens() >= 0) {
        prompt += r.promptTokens();
        cached += r.cachedTokens();
      }
      if (r.worker() != null) {
        perWorker.merge(r.worker(), 1L, Long::sum);
      }
    }
    double duration = results.isEmpty() ? 0 : (lastEnd - firstSend) / 1e9;
    long ok = results.size() - errors;
    return new RunSummary(label, mode, results.size(), errors, duration, duration > 0 ? ok / duration : 0,
        duration > 0 ? outputTokens / duration : 0, prompt, cached, prompt > 0 ? (double) cached / prompt : 0,
        idealHitRate, LatencySummary.of(ttft), LatencySummary.of(itl), LatencySummary.of(e2e), perWorker,
        maxShare(perWorker, workerCount), firstError);
  }

  /** The same summary with per-worker counts taken from elsewhere (the router's counters). */
  public static RunSummary withWorkers(RunSummary s, Map<String, Long> perWorker, int workerCount) {
    return new RunSummary(s.label(), s.mode(), s.requests(), s.errors(), s.durationSeconds(), s.requestThroughput(),
        s.outputTokenThroughput(), s.promptTokens(), s.cachedTokens(), s.hitRate(), s.idealHitRate(), s.ttft(),
        s.itl(), s.e2e(), perWorker, maxShare(perWorker, workerCount), s.firstError());
  }

  /** Max requests of one worker over the mean per worker; 0 when no worker is known. */
  public static double maxShare(Map<String, Long> perWorker, int workerCount) {
    int n = Math.max(workerCount, perWorker.size());
    if (n == 0) {
      return 0;
    }
    long total = 0;
    long max = 0;
    for (long c : perWorker.values()) {
      total += c;
      max = Math.max(max, c);
    }
    return total == 0 ? 0 : max / ((double) total / n);
  }
}

package io.kvroute.perf.stats;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Requests per worker from the router's Prometheus counter {@code kvroute_router_decisions_total{worker=...}}:
 * the fallback when responses carry no {@code x-kvroute-worker} header (scrape before and after, subtract).
 */
public final class RouterDecisionCounts {

  public static final String METRIC = "kvroute_router_decisions_total";
  private static final Pattern WORKER = Pattern.compile("[{,]\\s*worker=\"((?:[^\"\\\\]|\\\\.)*)\"");

  private RouterDecisionCounts() {
  }

  /** Sums the counter per worker label over all other labels (policy, ...). */
  public static Map<String, Double> parse(String prometheusText) {
    Map<String, Double> out = new TreeMap<>();
    for (String line : prometheusText.split("\n")) {
      if (!line.startsWith(METRIC + "{")) {
        continue;
      }
      int close = line.lastIndexOf('}');
      Matcher m = WORKER.matcher(line.substring(0, close + 1));
      if (close < 0 || !m.find()) {
        continue;
      }
      String[] tail = line.substring(close + 1).trim().split("\\s+");
      try {
        out.merge(m.group(1), Double.parseDouble(tail[0]), Double::sum);
      } catch (NumberFormatException e) {
        // not a sample line; skip
      }
    }
    return out;
  }

  /** after − before, rounded, zeros dropped. */
  public static Map<String, Long> delta(Map<String, Double> before, Map<String, Double> after) {
    Map<String, Long> out = new TreeMap<>();
    after.forEach((w, v) -> {
      long d = Math.round(v - before.getOrDefault(w, 0.0));
      if (d > 0) {
        out.put(w, d);
      }
    });
    return out;
  }

  /** Fetches and parses {@code routerUrl/metrics}. */
  public static Map<String, Double> scrape(URI routerUrl) throws IOException, InterruptedException {
    HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    HttpResponse<String> resp = http.send(HttpRequest.newBuilder(routerUrl.resolve("/metrics"))
        .timeout(Duration.ofSeconds(10)).GET().build(), HttpResponse.BodyHandlers.ofString());
    if (resp.statusCode() != 200) {
      throw new IOException("GET " + routerUrl.resolve("/metrics") + " answered " + resp.statusCode());
    }
    return parse(resp.body());
  }
}

package io.kvroute.gateway.route;

import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The workers last learned from a router's {@code GET /v1/workers}, kept for the round-robin fallback used when
 * no router answers. Refreshed periodically while a router is reachable; the cache survives router outages.
 */
public final class WorkerDirectory {

  private static final Logger LOG = LoggerFactory.getLogger(WorkerDirectory.class);

  /** One routable worker. */
  public record Worker(String id, String url) {
  }

  private volatile List<Worker> workers = List.of();
  private final AtomicInteger next = new AtomicInteger();

  /** Refreshes the cache from the routers; keeps the old list on failure. */
  public Future<Void> refresh(RouterClient routers) {
    return routers.workers()
        .map(arr -> {
          update(arr);
          return (Void) null;
        })
        .recover(e -> {
          LOG.debug("event=worker_cache_refresh_failed error={}", e.getMessage());
          return Future.succeededFuture();
        });
  }

  /** Replaces the cache with the workers of a GET /v1/workers answer. */
  void update(JsonArray arr) {
    List<Worker> parsed = parse(arr);
    if (!parsed.equals(workers)) {
      LOG.info("event=worker_cache_updated workers={}", parsed.size());
    }
    workers = parsed;
  }

  public List<Worker> workers() {
    return workers;
  }

  /** The next worker in rotation not in {@code exclude}; null if none. */
  public Worker next(Set<String> exclude) {
    List<Worker> list = workers;
    int n = list.size();
    if (n == 0) {
      return null;
    }
    int start = Math.floorMod(next.getAndIncrement(), n);
    for (int i = 0; i < n; i++) {
      Worker w = list.get((start + i) % n);
      if (!exclude.contains(w.id())) {
        return w;
      }
    }
    return null;
  }

  /** Accepts {@code worker_id}|{@code id} and {@code url}; skips workers whose state says they are not usable. */
  static List<Worker> parse(JsonArray arr) {
    List<Worker> out = new ArrayList<>();
    for (Object o : arr) {
      if (!(o instanceof JsonObject w)) {
        continue;
      }
      Object id = w.getValue("worker_id", w.getValue("id"));
      Object url = w.getValue("url");
      if (id == null || !(url instanceof String u) || u.isEmpty()) {
        continue;
      }
      Object state = w.getValue("state", w.getValue("status"));
      if (state instanceof String s) {
        String st = s.toLowerCase(Locale.ROOT);
        if (st.equals("down") || st.equals("draining") || st.equals("dead") || st.equals("removed")) {
          continue;
        }
      }
      if (Boolean.FALSE.equals(w.getValue("healthy"))) {
        continue;
      }
      out.add(new Worker(String.valueOf(id), u.endsWith("/") ? u.substring(0, u.length() - 1) : u));
    }
    return List.copyOf(out);
  }
}

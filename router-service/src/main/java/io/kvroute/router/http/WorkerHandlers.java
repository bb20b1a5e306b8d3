package io.kvroute.router.http;

import io.kvroute.router.core.IndexStats;
import io.kvroute.router.core.LoadView;
import io.kvroute.router.core.Target;
import io.kvroute.router.registry.WorkerRegistry;
import io.kvroute.router.registry.WorkerSpec;
import io.kvroute.router.registry.WorkerView;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import java.util.Map;

/** {@code /v1/workers}: registration and heartbeats, listing, removal and the drain flag. */
final class WorkerHandlers {

  private final ApiContext api;

  WorkerHandlers(ApiContext api) {
    this.api = api;
  }

  /**
   * Registration / heartbeat: {@code {"worker_id","url","events_endpoint","metrics_endpoint","block_size","model",
   * "dp_size"?}} → 201 (new) or 200 (refreshed) with the worker's entry. A block size other than the router's is
   * accepted but flags the worker {@code misconfigured}.
   */
  void register(RoutingContext ctx) {
    JsonObject body = object(ctx);
    String id = string(body, "worker_id", true);
    Integer blockSize = integer(body, "block_size", true);
    Integer dpSize = integer(body, "dp_size", false);
    if (blockSize <= 0) {
      throw ApiException.badRequest("invalid_field", "block_size must be positive");
    }
    if (dpSize != null && (dpSize <= 0 || dpSize > 1024)) {
      throw ApiException.badRequest("invalid_field", "dp_size must be between 1 and 1024");
    }
    WorkerSpec spec = new WorkerSpec(id, string(body, "url", false), string(body, "events_endpoint", false),
        string(body, "metrics_endpoint", false), blockSize, string(body, "model", false),
        dpSize == null ? 1 : dpSize, string(body, "replay_endpoint", false));
    WorkerRegistry.Registration reg = api.registry().register(spec, "registered");
    Json.send(ctx.response(), reg.created() ? 201 : 200, view(reg.view(), null, null));
  }

  void list(RoutingContext ctx) {
    IndexStats stats = api.routing().core().indexStats();
    Map<Target, LoadView> loads = api.routing().core().loads();
    JsonArray arr = new JsonArray();
    for (WorkerView v : api.registry().all()) {
      arr.add(view(v, stats, loads));
    }
    Json.send(ctx.response(), 200, new JsonObject().put("block_size", api.blockSize()).put("workers", arr));
  }

  void get(RoutingContext ctx) {
    WorkerView v = known(ctx.pathParam("id"));
    Json.send(ctx.response(), 200, view(v, api.routing().core().indexStats(), api.routing().core().loads()));
  }

  void remove(RoutingContext ctx) {
    String id = ctx.pathParam("id");
    if (!api.registry().remove(id)) {
      throw ApiException.notFound("worker_not_found", "unknown worker '" + id + "'");
    }
    Json.send(ctx.response(), 200, new JsonObject().put("worker_id", id).put("removed", true));
  }

  /** {@code POST /v1/workers/:id/drain} with optional {@code {"draining": bool}} (default true). */
  void drain(RoutingContext ctx) {
    String id = ctx.pathParam("id");
    boolean draining = true;
    Buffer b = ctx.body().buffer();
    if (b != null && b.length() > 0) {
      JsonObject body = object(ctx);
      Object d = body.getValue("draining");
      if (d != null && !(d instanceof Boolean)) {
        throw ApiException.badRequest("invalid_field", "draining must be a boolean");
      }
      draining = d == null || (Boolean) d;
    }
    if (!api.registry().setDraining(id, draining)) {
      throw ApiException.notFound("worker_not_found", "unknown worker '" + id + "'");
    }
    Json.send(ctx.response(), 200, view(known(id), null, null));
  }

  private WorkerView known(String id) {
    return api.registry().get(id)
        .orElseThrow(() -> ApiException.notFound("worker_not_found", "unknown worker '" + id + "'"));
  }

  private JsonObject view(WorkerView v, IndexStats stats, Map<Target, LoadView> loads) {
    WorkerSpec s = v.spec();
    JsonObject o = new JsonObject().put("worker_id", s.id()).put("url", s.url())
        .put("events_endpoint", s.eventsEndpoint()).put("metrics_endpoint", s.metricsEndpoint())
        .put("block_size", s.blockSize()).put("model", s.model()).put("dp_size", s.dpSize())
        .put("replay_endpoint", s.replayEndpoint())
        .put("source", v.source()).put("state", v.state().wireName()).put("draining", v.draining())
        .put("bootstrapped", v.bootstrapped()).put("index_state", v.indexState()).put("eligible", v.eligible())
        .put("last_seen_ms_ago", Math.max(0, System.currentTimeMillis() - v.lastSeenMillis()));
    if (v.detail() != null) {
      o.put("detail", v.detail());
    }
    if (stats != null) {
      long blocks = 0;
      int active = 0;
      long prefill = 0;
      long decode = 0;
      for (int r = 0; r < s.dpSize(); r++) {
        Target t = new Target(s.id(), r);
        blocks += stats.blocksPerTarget().getOrDefault(t, 0L);
        LoadView l = loads.get(t);
        if (l != null) {
          active += l.activeRequests();
          prefill += l.prefillTokens();
          decode += l.activeBlocks();
        }
      }
      o.put("tree_blocks", blocks).put("active_requests", active).put("prefill_tokens", prefill)
          .put("decode_blocks", decode);
    }
    return o;
  }

  static JsonObject object(RoutingContext ctx) {
    Buffer b = ctx.body().buffer();
    if (b == null || b.length() == 0) {
      throw ApiException.badRequest("invalid_json", "request body must be a JSON object");
    }
    try {
      Object v = io.vertx.core.json.Json.decodeValue(b);
      if (v instanceof JsonObject o) {
        return o;
      }
    } catch (DecodeException e) {
      throw ApiException.badRequest("invalid_json", "malformed JSON: " + RouteRequestParser.firstLine(e.getMessage()));
    }
    throw ApiException.badRequest("invalid_json", "request body must be a JSON object");
  }

  static String string(JsonObject o, String key, boolean required) {
    Object v = o.getValue(key);
    if (v == null) {
      if (required) {
        throw ApiException.badRequest("missing_field", key + " is required");
      }
      return null;
    }
    if (!(v instanceof String s)) {
      throw ApiException.badRequest("invalid_field", key + " must be a string");
    }
    if (required && s.isBlank()) {
      throw ApiException.badRequest("invalid_field", key + " must not be empty");
    }
    return s.isBlank() ? null : s;
  }

  static Integer integer(JsonObject o, String key, boolean required) {
    Object v = o.getValue(key);
    if (v == null) {
      if (required) {
        throw ApiException.badRequest("missing_field", key + " is required");
      }
      return null;
    }
    if (!(v instanceof Integer || v instanceof Long) || ((Number) v).longValue() != ((Number) v).intValue()) {
      throw ApiException.badRequest("invalid_field", key + " must be an integer");
    }
    return ((Number) v).intValue();
  }
}

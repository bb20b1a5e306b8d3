package io.kvroute.router.http;

import io.kvroute.common.event.KvEvent;
import io.kvroute.common.event.KvEventBatch;
import io.kvroute.router.core.IndexStats;
import io.kvroute.router.core.Target;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import java.util.List;
import java.util.Map;

/** Reference-compatible debug endpoints: {@code GET /debug/tree_info} and {@code POST /debug/inject_event}. */
final class DebugHandlers {

  private static final int MAX_DUMPED_EVENTS = 20;

  private final ApiContext api;

  DebugHandlers(ApiContext api) {
    this.api = api;
  }

  /** {@code {"num_blocks", "events": [first 20 stored events]}} plus our index counters. */
  void treeInfo(RoutingContext ctx) {
    IndexStats stats = api.routing().core().indexStats();
    Future.fromCompletionStage(api.routing().core().dump(), ctx.vertx().getOrCreateContext())
        .onSuccess(dump -> {
          JsonArray events = new JsonArray();
          outer:
          for (Map.Entry<Target, List<KvEvent.Stored>> e : dump.entrySet()) {
            for (KvEvent.Stored s : e.getValue()) {
              if (events.size() >= MAX_DUMPED_EVENTS) {
                break outer;
              }
              JsonArray blocks = new JsonArray();
              for (int i = 0; i < s.size(); i++) {
                blocks.add(new JsonObject().put("block_hash", Long.toUnsignedString(s.blockHashes()[i]))
                    .put("tokens_hash", Long.toUnsignedString(s.tokensHashes()[i])));
              }
              events.add(new JsonObject().put("worker_id", e.getKey().workerId())
                  .put("dp_rank", e.getKey().dpRank())
                  .put("data", new JsonObject().put("stored", new JsonObject()
                      .put("parent_hash", s.hasParent() ? Long.toUnsignedString(s.parentHash()) : null)
                      .put("blocks", blocks))));
            }
          }
          JsonObject perWorker = new JsonObject();
          stats.blocksPerTarget().forEach((t, n) -> perWorker.put(t.toString(), n));
          JsonObject dropped = new JsonObject();
          stats.dropped().forEach(dropped::put);
          Json.send(ctx.response(), 200, new JsonObject().put("num_blocks", stats.nodes()).put("events", events)
              .put("entries", stats.entries()).put("approx_bytes", stats.approxBytes())
              .put("blocks_per_worker", perWorker).put("events_applied", stats.eventsApplied())
              .put("events_dropped", dropped));
        })
        .onFailure(ctx::fail);
  }

  /**
   * {@code {"worker_id", "tokens_hash", "block_hash"?}} → one stored block at the root of that worker (dp rank 0).
   * An integer worker id {@code i} means {@code worker-i} (the reference's integer ids).
   */
  void injectEvent(RoutingContext ctx) {
    JsonObject body;
    try {
      body = WorkerHandlers.object(ctx);
    } catch (ApiException e) {
      throw e.asReference();
    }
    Object w = body.getValue("worker_id");
    String workerId;
    if (w instanceof String s && !s.isBlank()) {
      workerId = s;
    } else if (w instanceof Integer || w instanceof Long) {
      workerId = "worker-" + w;
    } else {
      throw ApiException.reference(400, "worker_id is required");
    }
    long tokensHash = hash(body.getValue("tokens_hash"), "tokens_hash", true);
    long blockHash = body.getValue("block_hash") == null ? tokensHash : hash(body.getValue("block_hash"),
        "block_hash", true);
    KvEvent.Stored stored = KvEvent.Stored.root(new long[] {blockHash}, new long[] {tokensHash});
    api.routing().core().submit(workerId, new KvEventBatch(System.currentTimeMillis() / 1000.0,
        List.of(stored), 0));
    Object idOut = w instanceof String ? workerId : w;
    Json.send(ctx.response(), 200, new JsonObject().put("status", "ok")
        .put("tokens_hash", Long.toUnsignedString(tokensHash)).put("worker_id", idOut));
  }

  private static long hash(Object v, String field, boolean required) {
    if (v == null) {
      throw ApiException.reference(400, field + " is required");
    }
    try {
      if (v instanceof Integer || v instanceof Long) {
        return ((Number) v).longValue();
      }
      if (v instanceof java.math.BigInteger b) {
        if (b.signum() < 0 || b.bitLength() > 64) {
          throw ApiException.reference(400, field + " is outside the u64 range");
        }
        return b.longValue();
      }
      if (v instanceof String s) {
        return s.startsWith("-") ? Long.parseLong(s.trim()) : Long.parseUnsignedLong(s.trim());
      }
    } catch (NumberFormatException e) {
      throw ApiException.reference(400, field + " must be a 64-bit integer");
    }
    throw ApiException.reference(400, field + " must be a 64-bit integer");
  }
}

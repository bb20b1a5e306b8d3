package io.kvroute.router.http;

import io.kvroute.common.codec.JsonStrings;
import io.kvroute.common.hash.BlockHasher;
import io.kvroute.router.core.CandidateScore;
import io.kvroute.router.core.RouteDecision;
import io.kvroute.router.core.RouteQuery;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import java.util.List;
import java.util.UUID;

/**
 * Routing endpoints: the reference {@code /find_best_worker}, {@code /v1/route} (books load), the request
 * lifecycle ({@code first_token}, release), {@code /v1/score} (dry run) and {@code /debug/hash}.
 */
final class RoutingHandlers {

  private final ApiContext api;

  RoutingHandlers(ApiContext api) {
    this.api = api;
  }

  /** Reference shape: {@code {local_hashes, num_tokens}} → {@code {worker_id, overlap, matched_blocks}}. */
  void findBestWorker(RoutingContext ctx) {
    Json.send(ctx.response(), 200, findBestWorkerJson(bytes(ctx)));
  }

  /** The whole {@code /find_best_worker} exchange from body bytes to response JSON (also used by the fast path). */
  String findBestWorkerJson(byte[] body) {
    RouteRequest r;
    try {
      r = RouteRequestParser.parse(body);
    } catch (ApiException e) {
      throw e.asReference();
    }
    if (r.numTokens() <= 0) {
      throw ApiException.reference(400, "num_tokens must be positive");
    }
    try {
      checkBlockSize(r);
    } catch (ApiException e) {
      throw e.asReference();
    }
    long[] hashes = r.localHashes() == null ? new long[0] : r.localHashes();
    String policy = r.policy();
    if (policy != null && !ApiContext.POLICIES.contains(policy)) {
      throw ApiException.reference(400, "unknown policy '" + policy + "'");
    }
    RouteDecision d = api.routing().route(new RouteQuery(null, hashes, r.numTokens(), 0, policy), r.exclude());
    if (d.target() == null) {
      throw ApiException.reference(503, "No eligible workers");
    }
    double overlap = (double) d.overlapBlocks() * api.blockSize() / r.numTokens();
    StringBuilder sb = new StringBuilder(96).append("{\"worker_id\":");
    JsonStrings.appendQuoted(sb, d.target().workerId()).append(",\"overlap\":").append(overlap)
        .append(",\"matched_blocks\":").append(d.overlapBlocks()).append('}');
    return sb.toString();
  }

  /** {@code POST /v1/route}: chooses a worker and books the request's load on it. */
  void route(RoutingContext ctx) {
    Json.send(ctx.response(), 200, routeJson(bytes(ctx)));
  }

  /** The whole {@code /v1/route} exchange from body bytes to response JSON (also used by the fast path). */
  String routeJson(byte[] body) {
    RouteRequest r = RouteRequestParser.parse(body);
    RouteQuery q = query(r, true);
    RouteDecision d = api.routing().route(q, r.exclude());
    if (d.target() == null) {
      throw ApiException.noWorker("no eligible worker (all down, draining, misconfigured or excluded)");
    }
    String url = api.registry().url(d.target().workerId());
    StringBuilder sb = new StringBuilder(192).append("{\"request_id\":");
    JsonStrings.appendQuoted(sb, q.requestId()).append(",\"worker_id\":");
    JsonStrings.appendQuoted(sb, d.target().workerId()).append(",\"dp_rank\":").append(d.target().dpRank()).append(",\"url\":");
    JsonStrings.appendQuoted(sb, url).append(",\"overlap_blocks\":").append(d.overlapBlocks())
        .append(",\"cached_tokens\":").append(d.cachedTokens())
        .append(",\"cost\":").append(finite(d.cost())).append(",\"policy\":");
    JsonStrings.appendQuoted(sb, d.policy()).append('}');
    return sb.toString();
  }

  /** {@code POST /v1/score}: every eligible candidate's overlap, load and cost; books nothing. */
  void score(RoutingContext ctx) {
    RouteRequest r = RouteRequestParser.parse(bytes(ctx));
    RouteQuery q = query(r, false);
    List<CandidateScore> scores = api.routing().score(q, r.exclude());
    JsonArray arr = new JsonArray();
    for (CandidateScore s : scores) {
      arr.add(new JsonObject().put("worker_id", s.target().workerId()).put("dp_rank", s.target().dpRank())
          .put("url", api.registry().url(s.target().workerId()))
          .put("overlap_blocks", s.overlapBlocks()).put("tree_blocks", s.treeSize())
          .put("prefill_tokens", s.prefillTokens()).put("decode_blocks", s.decodeBlocks())
          .put("active_requests", s.activeRequests()).put("cost", finite(s.cost())));
    }
    Json.send(ctx.response(), 200, new JsonObject()
        .put("policy", q.policy() == null ? api.defaultPolicy() : q.policy())
        .put("num_tokens", q.numTokens()).put("num_blocks", q.localHashes().length).put("candidates", arr));
  }

  /** {@code POST /v1/requests/:id/first_token}: prefill done; 404 for unknown ids. */
  void firstToken(RoutingContext ctx) {
    Json.send(ctx.response(), 200, firstTokenJson(ctx.pathParam("id")));
  }

  /** The {@code first_token} answer for request {@code id} (also used by the fast path). */
  JsonObject firstTokenJson(String id) {
    if (!api.routing().firstToken(id)) {
      throw ApiException.notFound("request_not_found", "no active request with id '" + id + "'");
    }
    return new JsonObject().put("request_id", id).put("prefill_done", true);
  }

  /** {@code DELETE /v1/requests/:id}: idempotent release; {@code released} tells whether it was active. */
  void release(RoutingContext ctx) {
    Json.send(ctx.response(), 200, releaseJson(ctx.pathParam("id")));
  }

  /** The release answer for request {@code id} (also used by the fast path). */
  JsonObject releaseJson(String id) {
    boolean released = api.routing().release(id);
    return new JsonObject().put("request_id", id).put("released", released);
  }

  /** {@code POST /debug/hash}: tokens (+ lora, cache_salt, block_size) → local and sequence hashes as strings. */
  void hash(RoutingContext ctx) {
    RouteRequest r = RouteRequestParser.parse(bytes(ctx));
    if (r.tokens() == null) {
      throw ApiException.badRequest("missing_tokens", "tokens is required");
    }
    int b = r.blockSize() > 0 ? r.blockSize() : api.blockSize();
    if (b > 1 << 16) {
      throw ApiException.badRequest("invalid_field", "block_size is too large");
    }
    BlockHasher hasher = BlockHasher.create(b, r.lora(), r.cacheSalt());
    long[] local = hasher.localHashes(r.tokens());
    long[] seq = BlockHasher.sequenceHashes(local);
    JsonArray l = new JsonArray();
    JsonArray s = new JsonArray();
    for (int i = 0; i < local.length; i++) {
      l.add(Long.toUnsignedString(local[i]));
      s.add(Long.toUnsignedString(seq[i]));
    }
    Json.send(ctx.response(), 200, new JsonObject().put("block_size", b)
        .put("seed", Long.toUnsignedString(hasher.seed())).put("num_tokens", r.tokens().length)
        .put("local_hashes", l).put("sequence_hashes", s));
  }

  private RouteQuery query(RouteRequest r, boolean booking) {
    checkBlockSize(r);
    long[] hashes;
    int numTokens = r.numTokens();
    if (r.tokens() != null) {
      BlockHasher hasher = (r.lora() == null || r.lora().isEmpty()) && (r.cacheSalt() == null
          || r.cacheSalt().isEmpty()) ? api.baseHasher() : BlockHasher.create(api.blockSize(), r.lora(),
          r.cacheSalt());
      hashes = hasher.localHashes(r.tokens());
      if (numTokens == -1) {
        numTokens = r.tokens().length;
      }
    } else if (r.localHashes() != null) {
      hashes = r.localHashes();
      if (numTokens == -1) {
        numTokens = hashes.length * api.blockSize();
      }
    } else {
      throw ApiException.badRequest("missing_prompt", "one of local_hashes or tokens is required");
    }
    if (numTokens <= 0) {
      throw ApiException.badRequest("invalid_num_tokens", "num_tokens must be positive");
    }
    if (r.expectedOutputTokens() < 0) {
      throw ApiException.badRequest("invalid_field", "expected_output_tokens must not be negative");
    }
    String policy = r.policy();
    if (policy != null && !ApiContext.POLICIES.contains(policy)) {
      throw ApiException.badRequest("invalid_policy", "unknown policy '" + policy + "', expected one of "
          + ApiContext.POLICIES);
    }
    String requestId = r.requestId();
    if (booking && (requestId == null || requestId.isEmpty())) {
      requestId = UUID.randomUUID().toString();
    }
    return new RouteQuery(booking ? requestId : null, hashes, numTokens, r.expectedOutputTokens(), policy);
  }

  /** Hashes computed with another block size would silently match nothing: refuse them. */
  private void checkBlockSize(RouteRequest r) {
    if (r.blockSize() != 0 && r.blockSize() != api.blockSize()) {
      throw ApiException.badRequest("block_size_mismatch", "block_size " + r.blockSize()
          + " differs from the router's " + api.blockSize());
    }
  }

  static byte[] bytes(RoutingContext ctx) {
    Buffer body = ctx.body().buffer();
    return body == null ? null : body.getBytes();
  }

  private static double finite(double v) {
    return Double.isFinite(v) ? v : (v > 0 ? Double.MAX_VALUE : -Double.MAX_VALUE);
  }
}

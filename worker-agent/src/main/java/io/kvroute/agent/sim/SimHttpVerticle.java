package io.kvroute.agent.sim;

import io.kvroute.common.codec.IterationStats;
import io.kvroute.common.codec.IterationStatsCodec;
import io.kvroute.common.codec.TrtllmEvent;
import io.kvroute.common.codec.TrtllmEventCodec;
import io.kvroute.common.tokenizer.ChatTemplateException;
import io.kvroute.common.tokenizer.ModelTokenizer;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The trtllm-serve HTTP surface of a {@link SimEngine}:
 * <pre>
 * POST /v1/completions        prompt = text | token ids (| a one-element list of either); stream or not
 * POST /v1/chat/completions   messages (+tools) through the model's chat template
 * GET  /v1/models             the served model
 * GET  /health, /version
 * GET  /metrics               iteration stats JSON array since the last call (drained)
 * POST /kv_cache_events       KV events JSON array since the last call (drained)
 * </pre>
 * Sampling fields honoured: max_tokens (or max_completion_tokens), min_tokens, ignore_eos, stop, seed,
 * stream_options.include_usage. A client that disconnects aborts its request in the engine.
 */
public final class SimHttpVerticle extends VerticleBase {

  private static final Logger LOG = LoggerFactory.getLogger(SimHttpVerticle.class);
  private static final int DEFAULT_MAX_TOKENS = 16;

  private final SimEngine engine;
  private final ModelTokenizer tokenizer;
  private final SimConfig config;
  private HttpServer server;

  public SimHttpVerticle(SimEngine engine, ModelTokenizer tokenizer) {
    this.engine = engine;
    this.tokenizer = tokenizer;
    this.config = engine.config();
  }

  /** The bound port (after start). */
  public int actualPort() {
    return server.actualPort();
  }

  @Override
  public Future<?> start() {
    Router router = Router.router(vertx);
    // generation
    router.post("/v1/completions").handler(BodyHandler.create().setBodyLimit(64L << 20))
        .handler(ctx -> generate(ctx, false));
    router.post("/v1/chat/completions").handler(BodyHandler.create().setBodyLimit(64L << 20))
        .handler(ctx -> generate(ctx, true));
    // engine introspection (drained queues, as trtllm-serve)
    router.post("/kv_cache_events").handler(this::kvCacheEvents);
    router.get("/metrics").handler(this::metrics);
    // info
    router.get("/v1/models").handler(ctx -> json(ctx.response(), 200, new JsonObject()
        .put("object", "list")
        .put("data", new JsonArray().add(new JsonObject().put("id", config.model()).put("object", "model")
            .put("created", System.currentTimeMillis() / 1000).put("owned_by", "tensorrt_llm")))
        .encode()));
    router.get("/health").handler(ctx -> ctx.response().setStatusCode(200).end());
    router.get("/version").handler(ctx -> json(ctx.response(), 200,
        new JsonObject().put("version", "kvroute-sim").encode()));
    router.errorHandler(500, ctx -> error(ctx.response(), 500, "internal error: " + ctx.failure()));
    router.errorHandler(404, ctx -> error(ctx.response(), 404, "no route " + ctx.request().path()));
    router.errorHandler(413, ctx -> error(ctx.response(), 413, "request body too large"));
    return vertx.createHttpServer().requestHandler(router).listen(config.port(), config.host())
        .onSuccess(s -> {
          server = s;
          LOG.info("event=sim_http_listening host={} port={}", config.host(), s.actualPort());
        });
  }

  @Override
  public Future<?> stop() {
    return server == null ? Future.succeededFuture() : server.close();
  }

  /** With long prompts this JSON is the engine's bulkiest output. */
  private void kvCacheEvents(RoutingContext ctx) {
    List<TrtllmEvent> events = engine.drainEvents();
    jsonBody(ctx.response(), TrtllmEventCodec.estimatedSize(events), out -> TrtllmEventCodec.writeArray(events, out));
  }

  private void metrics(RoutingContext ctx) {
    List<SimEngine.StepStats> steps = engine.drainStats();
    List<IterationStats> out = new ArrayList<>(steps.size());
    for (SimEngine.StepStats s : steps) {
      out.add(new IterationStats(s.iter(), s.iterLatencyMs(), s.numActiveRequests(), s.numQueuedRequests(),
          new IterationStats.KvCacheStats(s.maxNumBlocks(), s.freeNumBlocks(), s.usedNumBlocks(), s.tokensPerBlock(),
              s.allocTotalBlocks(), s.allocNewBlocks(), s.reusedBlocks(), s.missedBlocks(), s.cacheHitRate()),
          new IterationStats.InflightBatchingStats(s.numContextRequests(), s.numGenRequests(),
              s.numPausedRequests(), s.numScheduledRequests(), s.numCtxTokens())));
    }
    jsonBody(ctx.response(), IterationStatsCodec.estimatedSize(out.size()),
        stream -> IterationStatsCodec.writeArray(out, stream));
  }

  /** Writes JSON to a stream (a codec's {@code writeArray}). */
  @FunctionalInterface
  private interface JsonWriter {
    void writeTo(OutputStream out) throws IOException;
  }

  /** A 200 JSON response written straight into one body buffer of {@code estimatedSize} bytes (no String of it). */
  private static void jsonBody(HttpServerResponse response, int estimatedSize, JsonWriter writer) {
    Buffer body = Buffer.buffer(estimatedSize);
    try {
      writer.writeTo(new BufferOutputStream(body));
    } catch (IOException e) {
      throw new UncheckedIOException("in-memory JSON generation failed", e);
    }
    response.setStatusCode(200).putHeader("content-type", "application/json").end(body);
  }

  /** A request error with its HTTP status (400 for bad input). */
  private static final class BadRequest extends Exception {
    private static final long serialVersionUID = 1L;

    BadRequest(String message) {
      super(message, null, false, false);
    }
  }

  private void generate(RoutingContext ctx, boolean chat) {
    JsonObject body;
    int[] prompt;
    GenerationParams params;
    try {
      try {
        body = ctx.body().asJsonObject();
      } catch (RuntimeException e) {
        throw new BadRequest("request body is not a JSON object");
      }
      if (body == null) {
        throw new BadRequest("request body is empty");
      }
      prompt = chat ? chatPrompt(body) : completionPrompt(body);
      params = params(body);
    } catch (BadRequest e) {
      error(ctx.response(), 400, e.getMessage());
      return;
    }
    boolean stream;
    boolean includeUsage;
    try {
      stream = boolField(body, "stream");
      Object options = body.getValue("stream_options");
      if (options != null && !(options instanceof JsonObject)) {
        throw new BadRequest("stream_options must be an object");
      }
      includeUsage = options != null && boolField((JsonObject) options, "include_usage");
    } catch (BadRequest e) {
      error(ctx.response(), 400, e.getMessage());
      return;
    }
    Exchange ex = new Exchange(ctx, chat, stream, includeUsage, vertx.getOrCreateContext());
    long id = engine.submit(prompt, params, ex);
    ex.engineId = id;
    ctx.response().closeHandler(v -> ex.clientGone());
    ctx.response().exceptionHandler(e -> ex.clientGone());
  }

  private int[] completionPrompt(JsonObject body) throws BadRequest {
    Object p = body.getValue("prompt");
    if (p instanceof JsonArray a && a.size() == 1
        && (a.getValue(0) instanceof String || a.getValue(0) instanceof JsonArray)) {
      p = a.getValue(0); // a batch of one prompt
    }
    if (p instanceof String s) {
      return tokenizer.encode(s);
    }
    if (p instanceof JsonArray a) {
      int[] ids = new int[a.size()];
      for (int i = 0; i < ids.length; i++) {
        Object v = a.getValue(i);
        if (!(v instanceof Integer n) || n < 0 || n >= tokenizer.vocabSize()) {
          throw new BadRequest("prompt[" + i + "] is not a token id in [0, " + tokenizer.vocabSize() + ")");
        }
        ids[i] = n;
      }
      return ids;
    }
    throw new BadRequest("prompt must be a string or an array of token ids");
  }

  private int[] chatPrompt(JsonObject body) throws BadRequest {
    if (!(body.getValue("messages") instanceof JsonArray messages) || messages.isEmpty()) {
      throw new BadRequest("messages must be a non-empty array");
    }
    List<Map<String, Object>> msgs = new ArrayList<>(messages.size());
    for (int i = 0; i < messages.size(); i++) {
      if (!(messages.getValue(i) instanceof JsonObject m)) {
        throw new BadRequest("messages[" + i + "] is not an object");
      }
      msgs.add(m.getMap());
    }
    List<Map<String, Object>> tools = null;
    if (body.getValue("tools") instanceof JsonArray t) {
      tools = new ArrayList<>(t.size());
      for (int i = 0; i < t.size(); i++) {
        if (!(t.getValue(i) instanceof JsonObject o)) {
          throw new BadRequest("tools[" + i + "] is not an object");
        }
        tools.add(o.getMap());
      }
    }
    try {
      return tokenizer.encodeChat(msgs, tools, true);
    } catch (ChatTemplateException e) {
      throw new BadRequest(e.getMessage());
    } catch (RuntimeException e) {
      throw new BadRequest("cannot render the chat template: " + e.getMessage());
    }
  }

  private static GenerationParams params(JsonObject body) throws BadRequest {
    int maxTokens = intField(body, "max_tokens", -1);
    if (maxTokens < 0) {
      maxTokens = intField(body, "max_completion_tokens", DEFAULT_MAX_TOKENS);
    }
    int minTokens = intField(body, "min_tokens", 0);
    if (maxTokens < 0 || minTokens < 0) {
      throw new BadRequest("max_tokens and min_tokens must not be negative");
    }
    boolean ignoreEos = boolField(body, "ignore_eos");
    List<String> stop = new ArrayList<>();
    Object s = body.getValue("stop");
    if (s instanceof String str) {
      stop.add(str);
    } else if (s instanceof JsonArray arr) {
      for (Object o : arr) {
        if (!(o instanceof String str)) {
          throw new BadRequest("stop must be a string or an array of strings");
        }
        stop.add(str);
      }
    } else if (s != null) {
      throw new BadRequest("stop must be a string or an array of strings");
    }
    Object seedValue = body.getValue("seed");
    if (seedValue != null && !(seedValue instanceof Integer || seedValue instanceof Long)) {
      throw new BadRequest("seed must be an integer");
    }
    long seed = seedValue == null ? 0L : ((Number) seedValue).longValue();
    return new GenerationParams(maxTokens, Math.min(minTokens, maxTokens), ignoreEos, stop, seed);
  }

  private static boolean boolField(JsonObject body, String key) throws BadRequest {
    Object v = body.getValue(key);
    if (v == null || v instanceof Boolean) {
      return Boolean.TRUE.equals(v);
    }
    throw new BadRequest(key + " must be a boolean");
  }

  private static int intField(JsonObject body, String key, int dflt) throws BadRequest {
    Object v = body.getValue(key);
    if (v == null) {
      return dflt;
    }
    if (v instanceof Integer i) {
      return i;
    }
    throw new BadRequest(key + " must be an integer");
  }

  private static String sseLine(JsonObject chunk) {
    return "data: " + chunk.encode() + "\n\n";
  }

  static void json(HttpServerResponse response, int status, String body) {
    response.setStatusCode(status).putHeader("content-type", "application/json").end(body);
  }

  static void error(HttpServerResponse response, int status, String message) {
    json(response, status, new JsonObject().put("error", new JsonObject().put("message", message)
        .put("type", status == 500 ? "internal_error" : "invalid_request_error").putNull("param")
        .put("code", status)).encode());
  }

  /** One HTTP request's view of its engine request; engine callbacks hop onto the Vert.x context. */
  private final class Exchange implements RequestListener {
    private final RoutingContext ctx;
    private final boolean chat;
    private final boolean stream;
    private final boolean includeUsage;
    private final Context context;
    private final String responseId;
    private final long created = System.currentTimeMillis() / 1000;
    private final StringBuilder text = new StringBuilder();
    private final AtomicBoolean done = new AtomicBoolean();
    private volatile long engineId;
    private boolean headSent;
    private TokenChunkTemplate tokenChunks;

    Exchange(RoutingContext ctx, boolean chat, boolean stream, boolean includeUsage, Context context) {
      this.ctx = ctx;
      this.chat = chat;
      this.stream = stream;
      this.includeUsage = includeUsage;
      this.context = context;
      this.responseId = (chat ? "chatcmpl-" : "cmpl-") + Long.toHexString(System.nanoTime());
    }

    void clientGone() {
      if (done.compareAndSet(false, true)) {
        engine.abort(engineId);
        LOG.debug("event=sim_request_aborted id={}", engineId);
      }
    }

    @Override
    public void onToken(int tokenId, String piece) {
      if (piece.isEmpty() && !stream) {
        return;
      }
      context.runOnContext(v -> {
        if (done.get()) {
          return;
        }
        if (!stream) {
          text.append(piece);
          return;
        }
        startStream();
        if (!piece.isEmpty()) {
          ctx.response().write(tokenChunks.line(piece));
        }
      });
    }

    @Override
    public void onFinish(String finishReason, int promptTokens, int completionTokens, int cachedTokens,
        String error) {
      context.runOnContext(v -> {
        if (!done.compareAndSet(false, true)) {
          return;
        }
        HttpServerResponse r = ctx.response();
        if (error != null) {
          if (headSent) {
            r.end("data: " + new JsonObject().put("error", new JsonObject().put("message", error)).encode()
                + "\n\ndata: [DONE]\n\n");
          } else {
            error(r, "invalid".equals(finishReason) ? 400 : 500, error);
          }
          return;
        }
        JsonObject usage = new JsonObject().put("prompt_tokens", promptTokens)
            .put("completion_tokens", completionTokens).put("total_tokens", promptTokens + completionTokens)
            .put("prompt_tokens_details", new JsonObject().put("cached_tokens", cachedTokens));
        if (!stream) {
          JsonObject choice = new JsonObject().put("index", 0);
          if (chat) {
            choice.put("message", new JsonObject().put("role", "assistant").put("content", text.toString()));
          } else {
            choice.put("text", text.toString());
          }
          choice.putNull("logprobs").put("finish_reason", finishReason);
          json(r, 200, new JsonObject().put("id", responseId)
              .put("object", chat ? "chat.completion" : "text_completion").put("created", created)
              .put("model", config.model()).put("choices", new JsonArray().add(choice)).put("usage", usage)
              .encode());
          return;
        }
        startStream();
        writeChunk(chunk(null, finishReason));
        if (includeUsage) {
          writeChunk(base().put("choices", new JsonArray()).put("usage", usage));
        }
        r.end("data: [DONE]\n\n");
      });
    }

    private void startStream() {
      if (headSent) {
        return;
      }
      headSent = true;
      tokenChunks = new TokenChunkTemplate(sseLine(chunk(TokenChunkTemplate.PIECE, null)));
      ctx.response().setChunked(true).putHeader("content-type", "text/event-stream")
          .putHeader("cache-control", "no-cache");
      if (chat) {
        writeChunk(base().put("choices", new JsonArray().add(new JsonObject().put("index", 0)
            .put("delta", new JsonObject().put("role", "assistant").put("content", "")).putNull("logprobs")
            .putNull("finish_reason"))));
      }
    }

    private JsonObject base() {
      return new JsonObject().put("id", responseId)
          .put("object", chat ? "chat.completion.chunk" : "text_completion").put("created", created)
          .put("model", config.model());
    }

    private JsonObject chunk(String piece, String finishReason) {
      JsonObject choice = new JsonObject().put("index", 0);
      if (chat) {
        choice.put("delta", piece == null ? new JsonObject() : new JsonObject().put("content", piece));
      } else {
        choice.put("text", piece == null ? "" : piece);
      }
      choice.putNull("logprobs");
      if (finishReason == null) {
        choice.putNull("finish_reason");
      } else {
        choice.put("finish_reason", finishReason);
      }
      return base().put("choices", new JsonArray().add(choice));
    }

    private void writeChunk(JsonObject chunk) {
      ctx.response().write(sseLine(chunk));
    }
  }
}

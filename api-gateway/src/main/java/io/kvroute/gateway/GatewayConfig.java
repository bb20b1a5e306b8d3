package io.kvroute.gateway;

import io.kvroute.common.config.CliOptions;
import io.kvroute.common.config.CliOptions.UsageException;
import io.kvroute.common.tokenizer.ModelTokenizer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * Immutable gateway configuration, read once from the command line / environment (TEAM.md CLI contract).
 *
 * @param host             interface the HTTP server binds
 * @param httpPort         OpenAI API port (0 = ephemeral, used by tests)
 * @param routerUrls       router-service base URLs, tried in turn on connection errors
 * @param blockSize        tokens per KV block; must equal the router's and the agents'
 * @param model            served model name (reported by /v1/models, checked against request "model")
 * @param tokenizerDir     directory with tokenizer.json + tokenizer_config.json; null = bundled Qwen2.5 files
 * @param maxModelLen      context length in tokens; longer prompts are rejected with context_length_exceeded
 * @param defaultMaxTokens completion length when the request gives neither max_tokens nor max_completion_tokens
 * @param apiKeys          accepted Bearer keys; empty = no authentication
 * @param fallback         what to do when no router answers
 * @param maxRetries       re-routes after a worker fails before its first byte
 * @param maxBodyBytes     request body limit (413 above it)
 * @param routerTimeout    per-call timeout of router requests
 * @param tokenizerThreads size of the tokenising worker pool
 * @param segmentCacheChars bound of the tokenizer's segment cache in char units (key chars + 2 per token id, so
 *                          about 2 bytes each); 0 = off (chat prompts are encoded whole every time)
 * @param tokenizerInlineBytes largest request body whose prompt is first tokenised on the event loop from the
 *                          tokenizer's caches alone (never the native tokenizer); 0 = every text prompt goes to the
 *                          pool
 */
public record GatewayConfig(
    String host,
    int httpPort,
    List<String> routerUrls,
    int blockSize,
    String model,
    Path tokenizerDir,
    int maxModelLen,
    int defaultMaxTokens,
    Set<String> apiKeys,
    FallbackPolicy fallback,
    int maxRetries,
    long maxBodyBytes,
    Duration routerTimeout,
    int tokenizerThreads,
    long segmentCacheChars,
    int tokenizerInlineBytes) {

  /** Behaviour when every router is unreachable. */
  public enum FallbackPolicy {
    /** Answer 503 with Retry-After. */
    NONE,
    /** Round-robin over the workers last learned from a router's GET /v1/workers. */
    ROUND_ROBIN;

    static FallbackPolicy parse(String value) throws UsageException {
      return switch (value.toLowerCase(Locale.ROOT)) {
        case "none" -> NONE;
        case "round_robin", "round-robin" -> ROUND_ROBIN;
        default -> throw new UsageException("--fallback-policy must be none or round_robin, got '" + value + "'");
      };
    }
  }

  public GatewayConfig {
    routerUrls = List.copyOf(routerUrls);
    apiKeys = Set.copyOf(apiKeys);
    if (routerUrls.isEmpty()) {
      throw new IllegalArgumentException("at least one router URL is needed");
    }
    if (segmentCacheChars < 0) {
      throw new IllegalArgumentException("segment cache bound must be >= 0: " + segmentCacheChars);
    }
    if (tokenizerInlineBytes < 0) {
      throw new IllegalArgumentException("inline tokenising bound must be >= 0: " + tokenizerInlineBytes);
    }
  }

  /** Defaults for tests: ephemeral port, loopback, the given routers. */
  public static GatewayConfig forTest(List<String> routerUrls) {
    return new GatewayConfig("127.0.0.1", 0, routerUrls, 32, DEFAULT_MODEL, null, 32768, 256, Set.of(),
        FallbackPolicy.NONE, 2, DEFAULT_MAX_BODY, Duration.ofSeconds(1), 2, ModelTokenizer.DEFAULT_SEGMENT_CACHE_CHARS,
        DEFAULT_TOKENIZER_INLINE_BYTES);
  }

  public GatewayConfig withApiKeys(Set<String> keys) {
    return new GatewayConfig(host, httpPort, routerUrls, blockSize, model, tokenizerDir, maxModelLen,
        defaultMaxTokens, keys, fallback, maxRetries, maxBodyBytes, routerTimeout, tokenizerThreads,
        segmentCacheChars, tokenizerInlineBytes);
  }

  public GatewayConfig withFallback(FallbackPolicy policy) {
    return new GatewayConfig(host, httpPort, routerUrls, blockSize, model, tokenizerDir, maxModelLen,
        defaultMaxTokens, apiKeys, policy, maxRetries, maxBodyBytes, routerTimeout, tokenizerThreads,
        segmentCacheChars, tokenizerInlineBytes);
  }

  public GatewayConfig withLimits(int maxModelLen, long maxBodyBytes) {
    return new GatewayConfig(host, httpPort, routerUrls, blockSize, model, tokenizerDir, maxModelLen,
        defaultMaxTokens, apiKeys, fallback, maxRetries, maxBodyBytes, routerTimeout, tokenizerThreads,
        segmentCacheChars, tokenizerInlineBytes);
  }

  public static final String DEFAULT_MODEL = "Qwen/Qwen2.5-0.5B-Instruct";
  public static final long DEFAULT_MAX_BODY = 8L * 1024 * 1024;
  /** Bodies up to this size are tried inline (see {@link io.kvroute.gateway.tokenize.PromptTokenizer}). */
  public static final int DEFAULT_TOKENIZER_INLINE_BYTES = 8 * 1024;

  /** The gateway's command-line options; each also reads KVROUTE_&lt;NAME&gt;. */
  public static CliOptions options() {
    return CliOptions.create("api-gateway", "OpenAI-compatible API in front of the kvroute router and agents.")
        .option("host", "0.0.0.0", "interface to bind")
        .option("http-port", "8000", "OpenAI API port")
        .repeatable("router-url", "router-service base URL (default http://127.0.0.1:7000)")
        .option("block-size", "32", "tokens per KV block (must match router and agents)")
        .option("model", DEFAULT_MODEL, "served model name")
        .option("tokenizer-dir", "", "directory with tokenizer.json and tokenizer_config.json (empty = bundled)")
        .option("max-model-len", "32768", "context length in tokens")
        .option("default-max-tokens", "256", "completion length when the request gives none")
        .repeatable("api-key", "accepted Bearer API key (none = no authentication)")
        .option("api-key-file", null, "file with one accepted API key per line")
        .option("fallback-policy", "none", "when no router answers: none (503) or round_robin over known workers")
        .option("max-retries", "2", "re-routes after a worker fails before its first byte")
        .option("max-body-bytes", Long.toString(DEFAULT_MAX_BODY), "request body limit in bytes (413 above)")
        .option("router-timeout-ms", "1000", "timeout of each router call")
        .option("tokenizer-threads", "auto", "threads of the tokenising worker pool; auto = cores (at least 2)")
        .option("segment-cache-chars", Long.toString(ModelTokenizer.DEFAULT_SEGMENT_CACHE_CHARS),
            "bound of the tokenizer's segment cache (chat turns seen before are not tokenised again), in char units"
            + " of ~2 bytes: key chars + 2 per token id; 0 = off, and with it the cache of ASCII and Latin-1 word"
            + " pieces (up to 65,536)")
        .option("tokenizer-inline-bytes", Integer.toString(DEFAULT_TOKENIZER_INLINE_BYTES),
            "request bodies up to this size are first tokenised on the event loop from the caches alone (chat"
            + " template + cached pieces, never the native tokenizer), saving the pool's two thread hand-offs; a"
            + " prompt with an uncached piece still goes to the pool; 0 = always the pool")
        .option("instances", "auto", "HTTP verticle instances (event loops) sharing the port; auto = cores");
  }

  /** Builds the configuration from parsed options; reads the API key file if one is given. */
  public static GatewayConfig from(CliOptions.Parsed p) throws UsageException {
    List<String> routers = p.list("router-url").isEmpty() ? List.of("http://127.0.0.1:7000") : p.list("router-url");
    for (String r : routers) {
      if (!r.startsWith("http://") && !r.startsWith("https://")) {
        throw new UsageException("--router-url must start with http:// or https://, got '" + r + "'");
      }
    }
    Set<String> keys = new LinkedHashSet<>(p.list("api-key"));
    String keyFile = p.string("api-key-file");
    if (keyFile != null && !keyFile.isBlank()) {
      try {
        for (String line : Files.readAllLines(Path.of(keyFile))) {
          String k = line.trim();
          if (!k.isEmpty() && !k.startsWith("#")) {
            keys.add(k);
          }
        }
      } catch (IOException e) {
        throw new UsageException("cannot read --api-key-file " + keyFile + ": " + e.getMessage());
      }
    }
    String dir = p.string("tokenizer-dir");
    int blockSize = positive(p, "block-size");
    int maxRetries = p.integer("max-retries");
    if (maxRetries < 0) {
      throw new UsageException("--max-retries must be >= 0");
    }
    return new GatewayConfig(
        p.string("host"),
        p.integer("http-port"),
        routers.stream().map(GatewayConfig::trimSlash).toList(),
        blockSize,
        p.string("model"),
        dir == null || dir.isBlank() ? null : Path.of(dir),
        positive(p, "max-model-len"),
        positive(p, "default-max-tokens"),
        keys,
        FallbackPolicy.parse(p.string("fallback-policy")),
        maxRetries,
        p.longValue("max-body-bytes"),
        Duration.ofMillis(positive(p, "router-timeout-ms")),
        p.countOrAuto("tokenizer-threads", Math.max(2, Runtime.getRuntime().availableProcessors())),
        nonNegative(p, "segment-cache-chars"),
        (int) Math.min(Integer.MAX_VALUE, nonNegative(p, "tokenizer-inline-bytes")));
  }

  private static int positive(CliOptions.Parsed p, String name) throws UsageException {
    int v = p.integer(name);
    if (v <= 0) {
      throw new UsageException("--" + name + " must be positive, got " + v);
    }
    return v;
  }

  private static long nonNegative(CliOptions.Parsed p, String name) throws UsageException {
    long v = p.longValue(name);
    if (v < 0) {
      throw new UsageException("--" + name + " must be >= 0, got " + v);
    }
    return v;
  }

  /** With another segment cache bound (0 = off). */
  public GatewayConfig withSegmentCacheChars(long chars) {
    return new GatewayConfig(host, httpPort, routerUrls, blockSize, model, tokenizerDir, maxModelLen,
        defaultMaxTokens, apiKeys, fallback, maxRetries, maxBodyBytes, routerTimeout, tokenizerThreads, chars,
        tokenizerInlineBytes);
  }

  /** Loads the configured tokenizer (bundled Qwen2.5 files when no directory is set) with the segment cache bound. */
  public ModelTokenizer loadTokenizer() {
    return tokenizerDir == null ? ModelTokenizer.loadBundled(segmentCacheChars)
        : ModelTokenizer.load(tokenizerDir, segmentCacheChars);
  }

  private static String trimSlash(String url) {
    return url.endsWith("/") ? url.substring(0, url.length() - 1) : url;
  }
}

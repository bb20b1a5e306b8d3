package io.kvroute.gateway.bench;

import io.kvroute.common.hash.BlockHasher;
import io.kvroute.common.tokenizer.ChatTemplateException;
import io.kvroute.common.tokenizer.ModelTokenizer;
import io.kvroute.gateway.api.Endpoint;
import io.kvroute.gateway.api.GenerationRequest;
import io.kvroute.gateway.api.RequestParser;
import io.kvroute.gateway.proxy.ChunkFormatter;
import io.kvroute.gateway.proxy.UpstreamChunk;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * CPU cost of the gateway's per-request and per-chunk work, without any network: what the gateway adds to a
 * request's latency on an idle core.
 * <ul>
 *   <li>{@code chunk}: parse one upstream completions chunk and render the client's chat chunk (per token);</li>
 *   <li>{@code tokenIdRequest}: parse a 512-token-id completions body and hash its blocks;</li>
 *   <li>{@code chatRequest}: parse a ~512-token chat body, apply the chat template, encode, hash; segment cache
 *       off, so every call encodes the whole prompt (what a unique prompt costs);</li>
 *   <li>{@code chatRequestCached}: the same with the default segment cache, the body repeated (every piece a
 *       hit: the best case of a conversation resent with nothing new);</li>
 *   <li>{@code chatTemplateOnly} and {@code encodeUserTextOnly}: the two parts of {@code chatRequest}'s job, the
 *       template rendered (no encode) and the user message's text encoded by the native tokenizer (no template);</li>
 *   <li>{@code chatRequestFromMemory} and {@code chatRequestFromMemory16k}: what the gateway does on its event
 *       loop for a body within {@code --tokenizer-inline-bytes}: parse, template, encode from the caches alone,
 *       hash; every call a different prompt (~3 KB and ~16 KB bodies) of words the ASCII piece cache holds, with a
 *       segment cache too small to keep the user message, so nothing but the word pieces is reused.</li>
 * </ul>
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
public class GatewayHotPathBenchmark {

  private final RequestParser parser = new RequestParser("m");
  private final BlockHasher hasher = BlockHasher.create(32);
  private final ChunkFormatter formatter = new ChunkFormatter(Endpoint.CHAT, "chatcmpl-0123456789", 1_700_000_000L,
      "Qwen/Qwen2.5-0.5B-Instruct", false);
  private ModelTokenizer tokenizer;
  private Buffer tokenBody;
  private Buffer chatBody;
  private ModelTokenizer cachedTokenizer;
  private String upstreamChunk;
  private String userText;
  private List<Map<String, Object>> messages;
  private ModelTokenizer memoryTokenizer;
  private Buffer[] smallBodies;
  private Buffer[] largeBodies;
  private int next;

  @Setup
  public void setUp() throws ChatTemplateException {
    tokenizer = ModelTokenizer.loadBundled(0);
    cachedTokenizer = ModelTokenizer.loadBundled(ModelTokenizer.DEFAULT_SEGMENT_CACHE_CHARS);
    SplittableRandom rnd = new SplittableRandom(42);
    JsonArray ids = new JsonArray();
    for (int i = 0; i < 512; i++) {
      ids.add(1000 + rnd.nextInt(100_000));
    }
    tokenBody = new JsonObject().put("prompt", ids).put("max_tokens", 16).put("stream", true).toBuffer();
    StringBuilder text = new StringBuilder();
    String[] words = {"cache", "router", "token", "block", "prefix", "worker", "stream", "latency", "engine", "batch"};
    for (int i = 0; i < 480; i++) {
      text.append(' ').append(words[rnd.nextInt(words.length)]);
    }
    userText = text.toString();
    messages = List.of(Map.of("role", "user", "content", userText));
    chatBody = new JsonObject().put("messages", new JsonArray().add(new JsonObject().put("role", "user")
        .put("content", text.toString()))).put("max_tokens", 16).put("stream", true).toBuffer();
    memoryTokenizer = ModelTokenizer.loadBundled(32_768); // 2,048 per stripe: a ~3,900 weight user message never fits
    smallBodies = chatBodies(rnd, words, 480, 256);
    largeBodies = chatBodies(rnd, words, 2_700, 64);
    for (Buffer b : largeBodies) { // the template pieces and words enter the caches
      GenerationRequest r = parser.chat(RequestParser.jsonObject(b));
      memoryTokenizer.encodeChat(r.messages(), r.tools(), true);
      memoryTokenizer.encodeChat(r.messages(), r.tools(), true);
    }
    if (chatFromMemory(smallBodies[0]) == null || chatFromMemory(largeBodies[0]) == null) {
      throw new IllegalStateException("the warmed caches do not answer the benchmark's prompts");
    }
    upstreamChunk = "{\"id\":\"cmpl-1\",\"object\":\"text_completion\",\"created\":1700000000,\"model\":\"m\","
        + "\"choices\":[{\"index\":0,\"text\":\" cache\",\"logprobs\":null,\"finish_reason\":null}]}";
  }

  @Benchmark
  public String chunk() {
    UpstreamChunk c = UpstreamChunk.parse(upstreamChunk);
    return formatter.textChunk(c.text());
  }

  @Benchmark
  public long[] tokenIdRequest() {
    GenerationRequest r = parser.completion(RequestParser.jsonObject(tokenBody));
    return hasher.localHashes(r.promptTokens());
  }

  @Benchmark
  public long[] chatRequest() throws ChatTemplateException {
    GenerationRequest r = parser.chat(RequestParser.jsonObject(chatBody));
    return hasher.localHashes(tokenizer.encodeChat(r.messages(), r.tools(), true));
  }

  @Benchmark
  public long[] chatRequestCached() throws ChatTemplateException {
    GenerationRequest r = parser.chat(RequestParser.jsonObject(chatBody));
    return hasher.localHashes(cachedTokenizer.encodeChat(r.messages(), r.tools(), true));
  }

  private Buffer[] chatBodies(SplittableRandom rnd, String[] words, int wordCount, int count) {
    Buffer[] bodies = new Buffer[count];
    for (int b = 0; b < count; b++) {
      StringBuilder text = new StringBuilder();
      for (int i = 0; i < wordCount; i++) {
        text.append(' ').append(words[rnd.nextInt(words.length)]);
      }
      bodies[b] = new JsonObject().put("messages", new JsonArray().add(new JsonObject().put("role", "user")
          .put("content", text.toString()))).put("max_tokens", 16).put("stream", true).toBuffer();
    }
    return bodies;
  }

  private long[] chatFromMemory(Buffer body) throws ChatTemplateException {
    GenerationRequest r = parser.chat(RequestParser.jsonObject(body));
    int[] ids = memoryTokenizer.encodeFromMemory(memoryTokenizer.applyChatTemplate(r.messages(), r.tools(), true));
    return ids == null ? null : hasher.localHashes(ids);
  }

  @Benchmark
  public long[] chatRequestFromMemory() throws ChatTemplateException {
    return chatFromMemory(smallBodies[next++ & (smallBodies.length - 1)]);
  }

  @Benchmark
  public long[] chatRequestFromMemory16k() throws ChatTemplateException {
    return chatFromMemory(largeBodies[next++ & (largeBodies.length - 1)]);
  }

  @Benchmark
  public String chatTemplateOnly() throws ChatTemplateException {
    return tokenizer.applyChatTemplate(messages, null, true);
  }

  @Benchmark
  public int[] encodeUserTextOnly() {
    return tokenizer.encode(userText);
  }
}

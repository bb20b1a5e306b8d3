package io.kvroute.common.tokenizer;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.AuxCounters;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * Gateway-side cost of one request: render an ~8k-token, 18-message chat with the Qwen2.5 template and encode it.
 * Scores are operations per second; the "tokens" aux counter is tokens per second. {@code cache=off} (the default
 * for the headline figure) is a tokenizer without the segment cache: every call tokenises the whole chat, the cost
 * of a chat the gateway has never seen. {@code cache=on} repeats the same chat through the default segment cache:
 * every segment is a hit, the best case (see {@link ChatCacheBenchmark} for cold vs warm multi-turn chats).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
public class TokenizerBenchmark {

  @Param({"off", "on"})
  public String cache = "off";

  private ModelTokenizer tokenizer;
  private List<Map<String, Object>> messages;
  private String prompt;
  private int promptTokens;
  private int[] generated;

  /** Reports prompt tokens processed per second next to the time per operation. */
  @State(Scope.Thread)
  @AuxCounters(AuxCounters.Type.OPERATIONS)
  public static class Tokens {
    public long tokens;

    @Setup(Level.Iteration)
    public void reset() {
      tokens = 0;
    }
  }

  @Setup
  public void setUp() throws ChatTemplateException {
    tokenizer = ModelTokenizer.loadBundled("on".equals(cache) ? ModelTokenizer.DEFAULT_SEGMENT_CACHE_CHARS : 0);
    messages = chat(new SplittableRandom(42), 8, 314);
    prompt = tokenizer.applyChatTemplate(messages, null, true);
    promptTokens = tokenizer.encode(prompt).length;
    generated = tokenizer.encode(messages.get(1).get("content").toString());
    if (promptTokens < 7500 || promptTokens > 8500) {
      throw new IllegalStateException("expected an ~8k-token prompt, got " + promptTokens);
    }
  }

  static List<Map<String, Object>> chat(SplittableRandom random, int turns, int wordsPerMessage) {
    String[] words = ("the router keeps a radix tree of cached prefix blocks and sends each request to the worker "
        + "with longest match while balancing active load across GPUs so time to first token drops; "
        + "KV-cache p99 latency 2048 tokens vLLM TensorRT-LLM 缓存 路由 東京 café naïve 🚀 x[i] += 1; \n\n").split(" ");
    List<Map<String, Object>> chat = new ArrayList<>();
    chat.add(message("system", "You are a helpful assistant for infrastructure engineers."));
    for (int t = 0; t < turns; t++) {
      for (String role : new String[] {"user", "assistant"}) {
        StringBuilder text = new StringBuilder();
        for (int w = 0; w < wordsPerMessage; w++) {
          text.append(words[random.nextInt(words.length)]).append(' ');
        }
        chat.add(message(role, text.toString()));
      }
    }
    chat.add(message("user", "Summarise the discussion in three bullet points."));
    return chat;
  }

  static Map<String, Object> message(String role, String content) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("role", role);
    m.put("content", content);
    return m;
  }

  /**
   * Thread-CPU time per {@code encodeChat} (immune to other processes competing for the cores, unlike JMH's
   * wall-clock scores on a shared machine):
   * {@code java -cp ... io.kvroute.common.tokenizer.TokenizerBenchmark [ops] [off|on]} (segment cache, default off).
   */
  public static void main(String[] args) throws ChatTemplateException {
    TokenizerBenchmark bench = new TokenizerBenchmark();
    bench.cache = args.length > 1 ? args[1] : "off";
    bench.setUp();
    java.lang.management.ThreadMXBean mx = java.lang.management.ManagementFactory.getThreadMXBean();
    Tokens counter = new Tokens();
    int ops = args.length > 0 ? Integer.parseInt(args[0]) : 200;
    for (int i = 0; i < ops; i++) { // warm-up
      bench.encodeChat(counter);
    }
    long cpu = mx.getCurrentThreadCpuTime();
    long wall = System.nanoTime();
    for (int i = 0; i < ops; i++) {
      bench.encodeChat(counter);
    }
    cpu = mx.getCurrentThreadCpuTime() - cpu;
    wall = System.nanoTime() - wall;
    System.out.printf("encodeChat (segment cache %s): %d prompt tokens, %.2f ms CPU/op (%.0f tokens per CPU-second),"
        + " %.2f ms wall/op%n", bench.cache, bench.promptTokens, cpu / 1e6 / ops,
        (double) bench.promptTokens * ops / (cpu / 1e9), wall / 1e6 / ops);
  }

  /** Template + encode: what the gateway does per chat request. */
  @Benchmark
  public int[] encodeChat(Tokens counter) throws ChatTemplateException {
    int[] ids = tokenizer.encodeChat(messages, null, true);
    counter.tokens += ids.length;
    return ids;
  }

  /** Template rendering alone (jinjava). */
  @Benchmark
  public String applyChatTemplate() throws ChatTemplateException {
    return tokenizer.applyChatTemplate(messages, null, true);
  }

  /** Encoding alone (HF tokenizers via DJL/JNI). */
  @Benchmark
  public int[] encode(Tokens counter) {
    int[] ids = tokenizer.encode(prompt);
    counter.tokens += ids.length;
    return ids;
  }

  /** Streaming decode of a ~500-token reply, one push per token. */
  @Benchmark
  public int incrementalDecode(Tokens counter) {
    IncrementalDecoder decoder = tokenizer.newIncrementalDecoder();
    int chars = 0;
    for (int id : generated) {
      chars += decoder.push(id).length();
    }
    counter.tokens += generated.length;
    return chars + decoder.flush().length();
  }
}

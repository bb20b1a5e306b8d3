package io.kvroute.common.tokenizer;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * {@code encodeChat} (template + encode, what the gateway does per chat request) with the segment cache
 * ({@code cache=on}) and without it ({@code cache=off}: exactly the code path before the cache), for a ~500-token
 * and a ~8,000-token multi-turn chat. {@code cold}: every message differs on every call (a counter in each), so
 * nothing can be reused; {@code warm}: the earlier turns repeat and only the last user message is new, as in a
 * multi-turn conversation.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
public class ChatCacheBenchmark {

  /** 1300 = many short messages: 61 messages of ~8 words (the most native calls per token on a cold chat). */
  @Param({"500", "8000", "1300"})
  public int tokens;

  @Param({"off", "on"})
  public String cache;

  private ModelTokenizer tokenizer;
  private List<Map<String, Object>> base;
  private long counter;

  @Setup
  public void setUp() throws ChatTemplateException {
    tokenizer = "on".equals(cache) ? ModelTokenizer.loadBundled(ModelTokenizer.DEFAULT_SEGMENT_CACHE_CHARS)
        : cache.startsWith("on") ? ModelTokenizer.loadBundled(ModelTokenizer.DEFAULT_SEGMENT_CACHE_CHARS,
            Integer.parseInt(cache.substring(2)))
        : ModelTokenizer.loadBundled(0);
    base = tokens == 500 ? TokenizerBenchmark.chat(new SplittableRandom(42), 2, 70)
        : tokens == 1300 ? TokenizerBenchmark.chat(new SplittableRandom(42), 30, 8)
        : TokenizerBenchmark.chat(new SplittableRandom(42), 8, 314);
    int n = tokenizer.encodeChat(coldChat(), null, true).length;
    if (n < tokens * 0.7 || n > tokens * 1.3) {
      throw new IllegalStateException("expected ~" + tokens + " tokens, got " + n);
    }
  }

  /** The base chat with a fresh counter in every message. */
  private List<Map<String, Object>> coldChat() {
    long n = counter++;
    List<Map<String, Object>> chat = new ArrayList<>(base.size());
    for (Map<String, Object> m : base) {
      chat.add(TokenizerBenchmark.message((String) m.get("role"), "[" + n + "] " + m.get("content")));
    }
    return chat;
  }

  /** The base chat with a fresh counter in the last (user) message only. */
  private List<Map<String, Object>> warmChat() {
    long n = counter++;
    List<Map<String, Object>> chat = new ArrayList<>(base);
    Map<String, Object> last = chat.get(chat.size() - 1);
    chat.set(chat.size() - 1,
        TokenizerBenchmark.message((String) last.get("role"), "[" + n + "] " + last.get("content")));
    return chat;
  }

  @Benchmark
  public int[] cold() throws ChatTemplateException {
    return tokenizer.encodeChat(coldChat(), null, true);
  }

  @Benchmark
  public int[] warm() throws ChatTemplateException {
    return tokenizer.encodeChat(warmChat(), null, true);
  }

  /**
   * Thread-CPU time per call (steadier than JMH's wall clock on a shared machine), cache off and on interleaved:
   * {@code java -cp ... io.kvroute.common.tokenizer.ChatCacheBenchmark [rounds]}.
   */
  public static void main(String[] args) throws ChatTemplateException {
    int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 5;
    ThreadMXBean mx = ManagementFactory.getThreadMXBean();
    for (int size : new int[] {500, 1300, 8000}) {
      int ops = size == 8000 ? 30 : 300;
      String[] configs = {"off", "on", "on64"};
      ChatCacheBenchmark[] benches = new ChatCacheBenchmark[configs.length];
      double[][] best = new double[configs.length][2];
      for (int c = 0; c < configs.length; c++) {
        benches[c] = new ChatCacheBenchmark();
        benches[c].tokens = size;
        benches[c].cache = configs[c];
        benches[c].setUp();
        best[c][0] = Double.MAX_VALUE;
        best[c][1] = Double.MAX_VALUE;
      }
      for (int r = 0; r < rounds + 1; r++) { // round 0 is warm-up
        for (int c = 0; c < configs.length; c++) {
          for (int w = 0; w < 2; w++) {
            long cpu = mx.getCurrentThreadCpuTime();
            for (int i = 0; i < ops; i++) {
              if (w == 0) {
                benches[c].cold();
              } else {
                benches[c].warm();
              }
            }
            double us = (mx.getCurrentThreadCpuTime() - cpu) / 1e3 / ops;
            if (r > 0) {
              best[c][w] = Math.min(best[c][w], us);
            }
          }
        }
      }
      System.out.printf("%d tokens: cold off %.1f us, cold on %.1f us (%+.1f%%); warm off %.1f us, warm on %.1f us"
          + " (%.1fx) [best of %d rounds, thread CPU per encodeChat]%n", size, best[0][0], best[1][0],
          100 * (best[1][0] / best[0][0] - 1), best[0][1], best[1][1], best[0][1] / best[1][1], rounds);
      System.out.printf("%d tokens, hits under 64 chars do not split runs: cold %.1f us (%+.1f%% vs off),"
          + " warm %.1f us%n", size, best[2][0], 100 * (best[2][0] / best[0][0] - 1), best[2][1]);
    }
  }
}

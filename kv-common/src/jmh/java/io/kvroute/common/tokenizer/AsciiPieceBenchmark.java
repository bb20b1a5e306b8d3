package io.kvroute.common.tokenizer;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.Arrays;
import java.util.SplittableRandom;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * Thread-CPU time per {@link ModelTokenizer#encode} of a ~480-word ASCII text, native only (caches off) against the
 * default tokenizer (its {@link AsciiPreTokenCache} on), for text of common words (the cache's case) and for text
 * whose every word is new (its worst case): {@code java -cp ... io.kvroute.common.tokenizer.AsciiPieceBenchmark
 * [texts per round]}. Prints the best of 5 rounds. A Latin-1 case: ~480 words of Western European languages. A
 * further case is a chat turn of ~480 code-like words with
 * {@code <} in them ({@code <|im_start|>user\n...<|im_end|>\n} through {@link ModelTokenizer#encodeCached}): native
 * only, the text between the added tokens encoded as raw text (which may hold added tokens, so '<' sends it native:
 * what the segment path did before it used {@link AsciiPreTokenCache#encodeSegment}), and the default path.
 */
public final class AsciiPieceBenchmark {

  private static final String[] COMMON = ("the router keeps a radix tree of cached prefix blocks and sends each "
      + "request to the worker with longest match while balancing active load across GPUs so time to first token "
      + "drops, which is why users see faster answers.").split(" ");

  private static final String[] EUROPEAN = ("le routeur garde les blocs déjà calculés et envoie chaque requête au "
      + "serveur qui a le plus long préfixe für die Größe der Übersicht el niño pequeño sí está aquí também não "
      + "ação então").split(" ");
  private static final String[] CODE = ("if a < b: List<String> x = new ArrayList<>(); <div class=\"row\"> </div> "
      + "return map.get(key) <= 0 -> y >= 1 && z").split(" ");

  private AsciiPieceBenchmark() {
  }

  public static void main(String[] args) {
    int texts = args.length > 0 ? Integer.parseInt(args[0]) : 300;
    ModelTokenizer nativeOnly = ModelTokenizer.loadBundled(0);
    ModelTokenizer cached = ModelTokenizer.loadBundled(ModelTokenizer.DEFAULT_SEGMENT_CACHE_CHARS);
    SplittableRandom latin = new SplittableRandom(3);
    double[] best = bestOf5(texts, () -> words(latin, "", EUROPEAN), nativeOnly::encode, cached::encode);
    System.out.printf("480 French, German, Spanish and Portuguese words (Latin-1): native %.1f us, default %.1f us"
        + " per text [best of 5 rounds of %d]%n", best[0], best[1], texts);
    for (boolean newWords : new boolean[] {false, true}) {
      SplittableRandom rnd = new SplittableRandom(5);
      best = bestOf5(texts, () -> newWords ? newWords(rnd) : words(rnd, "", COMMON), nativeOnly::encode,
          cached::encode);
      System.out.printf("%s: native %.1f us, default (ASCII piece cache) %.1f us per text [best of 5 rounds of %d]%n",
          newWords ? "480 new random words" : "480 common words", best[0], best[1], texts);
    }
    // a chat turn: encodeCached of the whole turn, and the text between its added tokens taken as raw text
    SplittableRandom code = new SplittableRandom(7);
    best = bestOf5(texts, () -> "<|im_start|>" + words(code, "user\n", CODE) + "<|im_end|>\n",
        nativeOnly::encodeCached, t -> cached.encode(t.substring("<|im_start|>".length(), t.length() - 11)),
        cached::encodeCached);
    System.out.printf("chat turn of 480 code-like words with '<': native %.1f us, its text as raw text %.1f us,"
        + " default (segment + ASCII piece cache) %.1f us per turn [best of 5 rounds of %d]%n", best[0], best[1],
        best[2], texts);
  }

  /** Best thread-CPU microseconds per text of each encoder over 5 rounds of {@code texts} new texts. */
  @SafeVarargs
  private static double[] bestOf5(int texts, Supplier<String> text, Function<String, int[]>... encoders) {
    double[] best = new double[encoders.length];
    Arrays.fill(best, Double.MAX_VALUE);
    for (int round = 0; round < 5; round++) {
      String[] batch = new String[texts];
      for (int k = 0; k < texts; k++) {
        batch[k] = text.get();
      }
      for (int e = 0; e < encoders.length; e++) {
        best[e] = Math.min(best[e], cpuMicrosPerText(encoders[e], batch));
      }
    }
    return best;
  }

  /** {@code prefix} + "req N:" + 480 words drawn from {@code vocabulary}. */
  private static String words(SplittableRandom rnd, String prefix, String[] vocabulary) {
    StringBuilder sb = new StringBuilder(prefix + "req " + rnd.nextInt(1_000_000) + ":");
    for (int w = 0; w < 480; w++) {
      sb.append(' ').append(vocabulary[rnd.nextInt(vocabulary.length)]);
    }
    return sb.toString();
  }

  /** "req N:" + 480 random lowercase words of 3-8 letters (nearly all new to the piece cache). */
  private static String newWords(SplittableRandom rnd) {
    StringBuilder sb = new StringBuilder("req " + rnd.nextInt(1_000_000) + ":");
    for (int w = 0; w < 480; w++) {
      sb.append(' ');
      int len = 3 + rnd.nextInt(6);
      for (int i = 0; i < len; i++) {
        sb.append((char) ('a' + rnd.nextInt(26)));
      }
    }
    return sb.toString();
  }

  private static double cpuMicrosPerText(Function<String, int[]> encode, String[] batch) {
    ThreadMXBean threads = ManagementFactory.getThreadMXBean();
    long start = threads.getCurrentThreadCpuTime();
    long sink = 0;
    for (String t : batch) {
      sink += encode.apply(t).length;
    }
    long nanos = threads.getCurrentThreadCpuTime() - start;
    if (sink == 0) {
      throw new IllegalStateException("no tokens");
    }
    return nanos / 1e3 / batch.length;
  }
}

package io.kvroute.gateway.bench;

import io.kvroute.common.tokenizer.ModelTokenizer;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Thread CPU of the gateway's tokenising job for the latency bench's multi-turn conversations (not a test): for
 * every turn of {@code convs} conversations shaped like {@link Conversations} (system prompt, a ~470-word first
 * message, ~64-word questions, 15-word answers, 8 turns), the CPU of {@code applyChatTemplate}, of
 * {@code encodeChat} (template + encode through the default segment cache, as the gateway runs it) and of a plain
 * {@code encode} of the rendered prompt (no cache), checking that both encodings agree. Two passes over fresh
 * conversations; the second is reported. One thread.
 *
 * <p>Run from the repository root after {@code mvn -B -ntp -o -q -pl api-gateway -am test-compile}:
 * {@code java -cp "api-gateway/target/classes:api-gateway/target/test-classes:kv-common/target/classes:$deps"
 * io.kvroute.gateway.bench.MultiTurnChatCost [convs]}.
 */
public final class MultiTurnChatCost {

  private MultiTurnChatCost() {
  }

  public static void main(String[] args) throws Exception {
    int convs = args.length > 0 ? Integer.parseInt(args[0]) : 400;
    int turns = 8;
    ModelTokenizer tokenizer = ModelTokenizer.loadBundled(ModelTokenizer.DEFAULT_SEGMENT_CACHE_CHARS);
    ThreadMXBean mx = ManagementFactory.getThreadMXBean();
    long template = 0;
    long cached = 0;
    long plain = 0;
    long calls = 0;
    long tokens = 0;
    for (int pass = 0; pass < 2; pass++) {
      template = cached = plain = calls = tokens = 0;
      for (int c = 0; c < convs; c++) {
        List<Map<String, Object>> history = new ArrayList<>();
        history.add(message("system", Conversations.SYSTEM_PROMPT));
        for (int k = 0; k < turns; k++) {
          long seed = pass * 1_000_000L + c * 100L + k;
          history.add(message("user", k == 0 ? Conversations.words("document " + seed + ":", seed, 472)
              : Conversations.words("question " + k + ":", seed, 64)));
          long t0 = mx.getCurrentThreadCpuTime();
          String prompt = tokenizer.applyChatTemplate(history, null, true);
          long t1 = mx.getCurrentThreadCpuTime();
          int[] ids = tokenizer.encodeChat(history, null, true);
          long t2 = mx.getCurrentThreadCpuTime();
          int[] reference = tokenizer.encode(prompt);
          long t3 = mx.getCurrentThreadCpuTime();
          if (!Arrays.equals(ids, reference)) {
            throw new AssertionError("segment-cached ids differ from the plain encoding at turn " + k);
          }
          template += t1 - t0;
          cached += t2 - t1;
          plain += t3 - t2;
          calls++;
          tokens += ids.length;
          history.add(message("assistant", Conversations.words("answer", seed + 7, 15)));
        }
      }
    }
    System.out.printf(java.util.Locale.ROOT, "requests=%d mean_prompt_tokens=%d thread CPU per request: "
        + "applyChatTemplate %.1f us, encodeChat (template + segment-cached encode, the gateway's job) %.1f us, "
        + "plain encode of the rendered prompt %.1f us%n", calls, tokens / calls, template / 1e3 / calls,
        cached / 1e3 / calls, plain / 1e3 / calls);
  }

  private static Map<String, Object> message(String role, String content) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("role", role);
    m.put("content", content);
    return m;
  }
}

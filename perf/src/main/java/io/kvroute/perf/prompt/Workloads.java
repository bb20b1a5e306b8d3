package io.kvroute.perf.prompt;

import io.kvroute.perf.client.RequestSpec;
import io.kvroute.perf.trace.TraceRequest;
import io.vertx.core.json.JsonArray;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/** Turns workload descriptions into request specs. Prompt text is built lazily, at send time. */
public final class Workloads {

  /** Which OpenAI endpoint and prompt form to use. */
  public enum Api {
    /** {@code /v1/chat/completions}, the prompt as one user message (goes through the chat template). */
    CHAT("/v1/chat/completions"),
    /** {@code /v1/completions} with the prompt as text. */
    COMPLETIONS("/v1/completions"),
    /** {@code /v1/completions} with the prompt as a list of token ids (no tokenisation in the gateway). */
    COMPLETIONS_TOKENS("/v1/completions");

    public final String path;

    Api(String path) {
      this.path = path;
    }

    public static Api parse(String s) {
      return switch (s) {
        case "chat" -> CHAT;
        case "completions" -> COMPLETIONS;
        case "completions-tokens" -> COMPLETIONS_TOKENS;
        default -> throw new IllegalArgumentException("--api must be chat|completions|completions-tokens");
      };
    }
  }

  private Workloads() {
  }

  /**
   * The reference perf.sh workload: {@code requests} requests over {@code uniquePrompts} distinct prompts of
   * exactly {@code isl} tokens (request i uses prompt i mod uniquePrompts), each generating exactly {@code osl}.
   */
  public static List<RequestSpec> synthetic(TokenVocabulary vocab, String model, Api api, int isl, int osl,
      int requests, int uniquePrompts, long seed) {
    if (isl < 1 || osl < 1 || requests < 1 || uniquePrompts < 1) {
      throw new IllegalArgumentException("isl, osl, requests and unique prompts must be >= 1");
    }
    List<int[]> prompts = new ArrayList<>();
    for (int p = 0; p < uniquePrompts; p++) {
      SplittableRandom random = new SplittableRandom(BlockTokenMapper.mix(seed, p));
      int[] idx = new int[isl];
      for (int i = 0; i < isl; i++) {
        idx[i] = random.nextInt(vocab.size());
      }
      prompts.add(idx);
    }
    List<RequestSpec> specs = new ArrayList<>(requests);
    for (int i = 0; i < requests; i++) {
      int[] idx = prompts.get(i % uniquePrompts);
      specs.add(new RequestSpec(i, -1, api.path, () -> body(vocab, model, api, idx, osl), isl, osl));
    }
    return specs;
  }

  /**
   * Trace replay: request i is sent at {@code (timestamp_i - timestamp_0) × timeScale} ms; its prompt is the
   * blocks of its hash ids cut to its input length; it generates exactly its output length (ignore_eos).
   */
  public static List<RequestSpec> trace(TokenVocabulary vocab, BlockTokenMapper mapper, String model, Api api,
      List<TraceRequest> requests, double timeScale) {
    if (!(timeScale >= 0)) {
      throw new IllegalArgumentException("time scale must be >= 0");
    }
    List<RequestSpec> specs = new ArrayList<>(requests.size());
    long t0 = requests.isEmpty() ? 0 : requests.get(0).timestampMs();
    for (int i = 0; i < requests.size(); i++) {
      TraceRequest r = requests.get(i);
      long at = Math.max(0, Math.round((r.timestampMs() - t0) * timeScale));
      int osl = Math.max(1, r.outputLength());
      specs.add(new RequestSpec(i, at, api.path,
          () -> body(vocab, model, api, mapper.prompt(r.hashIds(), r.inputLength(), -1L - r.line()), osl),
          r.inputLength(), osl));
    }
    return specs;
  }

  /**
   * Clips a trace's requests: input to {@code maxInput} tokens (hash ids cut to the blocks still covered), output
   * to {@code maxOutput}; 0 = no clip.
   */
  public static List<TraceRequest> clip(List<TraceRequest> requests, int maxInput, int maxOutput) {
    List<TraceRequest> out = new ArrayList<>(requests.size());
    for (TraceRequest r : requests) {
      int in = maxInput > 0 ? Math.min(maxInput, r.inputLength()) : r.inputLength();
      int outLen = maxOutput > 0 ? Math.min(maxOutput, r.outputLength()) : r.outputLength();
      int blocks = (in + TraceRequest.MOONCAKE_BLOCK_TOKENS - 1) / TraceRequest.MOONCAKE_BLOCK_TOKENS;
      long[] ids = r.hashIds().length <= blocks ? r.hashIds() : java.util.Arrays.copyOf(r.hashIds(), blocks);
      out.add(new TraceRequest(r.line(), r.timestampMs(), in, outLen, ids));
    }
    return out;
  }

  static String body(TokenVocabulary vocab, String model, Api api, int[] idx, int osl) {
    return switch (api) {
      case CHAT -> RequestBodies.chat(model, text(vocab, idx), osl, true).encode();
      case COMPLETIONS -> RequestBodies.completion(model, text(vocab, idx), osl, true).encode();
      case COMPLETIONS_TOKENS -> {
        JsonArray ids = new JsonArray();
        for (int id : vocab.tokenIds(idx)) {
          ids.add(id);
        }
        yield RequestBodies.completion(model, ids, osl, true).encode();
      }
    };
  }

  static String text(TokenVocabulary vocab, int[] idx) {
    // Every word token starts with a space, so the text splits back into exactly these tokens.
    return vocab.appendText(new StringBuilder(idx.length * 7), idx, 0, idx.length).toString();
  }
}

package io.kvroute.common.tokenizer;

import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.util.Map;

/**
 * Creates DJL HuggingFace tokenizers without touching the network.
 *
 * <p>DJL's factory methods call {@code Ec2Utils.callHome}, which probes the EC2 metadata address and sends
 * telemetry unless offline mode or tracking opt-out is set: we set both system properties (unless the operator set
 * the env vars) before the first call. The native library ships inside the DJL jar and is extracted once to DJL's
 * cache dir ({@code $DJL_CACHE_DIR}, else {@code ~/.djl.ai}, else {@code $java.io.tmpdir/.djl.ai} when home is not
 * writable): no download, works on a fresh machine with no network.
 */
final class NativeTokenizers {

  /**
   * Encode exactly the given text: no BOS/EOS post-processing (HF {@code add_special_tokens=False}, which is
   * what {@code apply_chat_template(tokenize=True)} uses), and DJL's default truncation to 512 tokens and padding
   * switched off.
   */
  private static final Map<String, String> OPTIONS = Map.of(
      "addSpecialTokens", "false",
      "truncation", "false",
      "padding", "false");

  private NativeTokenizers() {}

  static synchronized void ensureOffline() {
    if (System.getenv("DJL_OFFLINE") == null && System.getProperty("ai.djl.offline") == null) {
      System.setProperty("ai.djl.offline", "true");
    }
    if (System.getenv("OPT_OUT_TRACKING") == null && System.getProperty("OPT_OUT_TRACKING") == null) {
      System.setProperty("OPT_OUT_TRACKING", "true");
    }
  }

  static HuggingFaceTokenizer create(byte[] tokenizerJson) throws IOException {
    ensureOffline();
    return HuggingFaceTokenizer.newInstance(new ByteArrayInputStream(tokenizerJson), OPTIONS);
  }
}

package io.kvroute.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.kvroute.common.config.CliOptions;
import io.kvroute.common.tokenizer.ModelTokenizer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class GatewayConfigTest {

  private static GatewayConfig parse(Map<String, String> env, String... args) throws Exception {
    return GatewayConfig.from(GatewayConfig.options().parse(args, env));
  }

  @Test
  void shouldUseTheSharedCliDefaults() throws Exception {
    GatewayConfig c = parse(Map.of());
    assertThat(c.httpPort()).isEqualTo(8000);
    assertThat(c.routerUrls()).containsExactly("http://127.0.0.1:7000");
    assertThat(c.blockSize()).isEqualTo(32);
    assertThat(c.model()).isEqualTo("Qwen/Qwen2.5-0.5B-Instruct");
    assertThat(c.tokenizerDir()).isNull();
    assertThat(c.maxModelLen()).isEqualTo(32768);
    assertThat(c.defaultMaxTokens()).isEqualTo(256);
    assertThat(c.apiKeys()).isEmpty();
    assertThat(c.fallback()).isEqualTo(GatewayConfig.FallbackPolicy.NONE);
    assertThat(c.maxRetries()).isEqualTo(2);
    assertThat(c.segmentCacheChars()).isEqualTo(ModelTokenizer.DEFAULT_SEGMENT_CACHE_CHARS);
    assertThat(c.tokenizerInlineBytes()).isEqualTo(8 * 1024);
  }

  @Test
  void shouldReadRepeatedFlagsKeyFilesAndEnvironment(@TempDir Path dir) throws Exception {
    Path keys = dir.resolve("keys.txt");
    Files.writeString(keys, "# comment\nsk-file-1\n\n  sk-file-2  \n");
    GatewayConfig c = parse(Map.of("KVROUTE_MAX_RETRIES", "5", "KVROUTE_SEGMENT_CACHE_CHARS", "0"), "--router-url", "http://r1:7000/", "--router-url",
        "http://r2:7000", "--api-key", "sk-a", "--api-key-file", keys.toString(), "--fallback-policy",
        "round_robin");
    assertThat(c.routerUrls()).containsExactly("http://r1:7000", "http://r2:7000");
    assertThat(c.apiKeys()).containsExactlyInAnyOrder("sk-a", "sk-file-1", "sk-file-2");
    assertThat(c.fallback()).isEqualTo(GatewayConfig.FallbackPolicy.ROUND_ROBIN);
    assertThat(c.maxRetries()).isEqualTo(5);
    assertThat(c.segmentCacheChars()).isZero();
    assertThat(parse(Map.of(), "--segment-cache-chars", "4096").segmentCacheChars()).isEqualTo(4096);
    assertThat(parse(Map.of(), "--tokenizer-inline-bytes", "0").tokenizerInlineBytes()).isZero();
    assertThat(parse(Map.of("KVROUTE_TOKENIZER_INLINE_BYTES", "4096")).tokenizerInlineBytes()).isEqualTo(4096);
  }

  @Test
  void shouldRejectBadValues() {
    assertThatThrownBy(() -> parse(Map.of(), "--fallback-policy", "random"))
        .isInstanceOf(CliOptions.UsageException.class);
    assertThatThrownBy(() -> parse(Map.of(), "--router-url", "r1:7000"))
        .isInstanceOf(CliOptions.UsageException.class);
    assertThatThrownBy(() -> parse(Map.of(), "--block-size", "0")).isInstanceOf(CliOptions.UsageException.class);
    assertThatThrownBy(() -> parse(Map.of(), "--api-key-file", "/nonexistent/keys"))
        .isInstanceOf(CliOptions.UsageException.class);
    assertThatThrownBy(() -> parse(Map.of(), "--tokenizer-inline-bytes", "-1"))
        .isInstanceOf(CliOptions.UsageException.class);
    assertThatThrownBy(() -> parse(Map.of(), "--segment-cache-chars", "-1"))
        .isInstanceOf(CliOptions.UsageException.class);
    assertThat(GatewayConfig.options().help()).contains("--fallback-policy").contains("KVROUTE_API_KEY")
        .contains("--segment-cache-chars").contains("KVROUTE_SEGMENT_CACHE_CHARS");
  }
}

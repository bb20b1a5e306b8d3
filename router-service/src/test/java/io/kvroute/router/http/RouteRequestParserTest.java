package io.kvroute.router.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class RouteRequestParserTest {

  private static RouteRequest parse(String json) {
    return RouteRequestParser.parse(json.getBytes(StandardCharsets.UTF_8));
  }

  @Test
  void shouldAcceptSignedUnsignedAndStringHashes() {
    RouteRequest r = parse("{\"request_id\":\"r\",\"local_hashes\":[1,-1,18446744073709551615,"
        + "\"13226331709069118873\",\"-2\",9223372036854775808,\" 12 \",-9223372036854775808],\"num_tokens\":7,\"unknown\":{\"a\":[1,2]}}");
    assertThat(r.localHashes()).containsExactly(1L, -1L, -1L, Long.parseUnsignedLong("13226331709069118873"), -2L,
        Long.MIN_VALUE, 12L, Long.MIN_VALUE);
    assertThat(r.numTokens()).isEqualTo(7);
    assertThat(r.requestId()).isEqualTo("r");
  }

  @Test
  void shouldParseTokensAndOptions() {
    RouteRequest r = parse("{\"tokens\":[0,1,2,3],\"lora\":\"adapter-a\",\"cache_salt\":\"t\","
        + "\"expected_output_tokens\":5,\"policy\":\"seed\",\"exclude\":[\"w1\",2]}");
    assertThat(r.tokens()).containsExactly(0, 1, 2, 3);
    assertThat(r.lora()).isEqualTo("adapter-a");
    assertThat(r.cacheSalt()).isEqualTo("t");
    assertThat(r.expectedOutputTokens()).isEqualTo(5);
    assertThat(r.policy()).isEqualTo("seed");
    assertThat(r.exclude()).containsExactlyInAnyOrder("w1", "worker-2");
    assertThat(r.numTokens()).isEqualTo(-1);
  }

  @Test
  void shouldRejectBadInputWithTypedErrors() {
    assertThatThrownBy(() -> parse("{\"local_hashes\":[1,")).isInstanceOf(ApiException.class)
        .hasMessageContaining("malformed JSON");
    assertThatThrownBy(() -> parse("[1,2]")).isInstanceOf(ApiException.class);
    assertThatThrownBy(() -> parse("")).isInstanceOf(ApiException.class);
    assertThatThrownBy(() -> parse("{\"local_hashes\":[18446744073709551616]}"))
        .isInstanceOf(ApiException.class).hasMessageContaining("64-bit range");
    assertThatThrownBy(() -> parse("{\"local_hashes\":[-9223372036854775809]}"))
        .isInstanceOf(ApiException.class).hasMessageContaining("64-bit range");
    assertThatThrownBy(() -> parse("{\"local_hashes\":[\"18446744073709551616\"]}"))
        .isInstanceOf(ApiException.class).hasMessageContaining("64-bit range");
    assertThatThrownBy(() -> parse("{\"local_hashes\":[\"\"]}")).isInstanceOf(ApiException.class);
    assertThatThrownBy(() -> parse("{\"local_hashes\":[\"abc\"]}")).isInstanceOf(ApiException.class)
        .hasMessageContaining("not a 64-bit integer");
    assertThatThrownBy(() -> parse("{\"local_hashes\":[1.5]}")).isInstanceOf(ApiException.class);
    assertThatThrownBy(() -> parse("{\"local_hashes\":5}")).isInstanceOf(ApiException.class);
    assertThatThrownBy(() -> parse("{\"tokens\":[-1]}")).isInstanceOf(ApiException.class);
    assertThatThrownBy(() -> parse("{\"num_tokens\":\"x\"}")).isInstanceOf(ApiException.class);
    assertThatThrownBy(() -> parse("{\"num_tokens\":99999999999}")).isInstanceOf(ApiException.class);
    ApiException e = (ApiException) org.assertj.core.api.Assertions.catchThrowable(() -> parse("{"));
    assertThat(e.status()).isEqualTo(400);
  }
}

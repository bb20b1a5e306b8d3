package io.kvroute.common.codec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class LoadMetricsCodecTest {

  private static byte[] utf8(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  @Test
  void shouldEncodeGoldenJson() {
    LoadMetrics m = new LoadMetrics(3, 0.25, 2, 100, 400, "worker-1", 1.5);
    assertThat(new String(LoadMetricsCodec.encode(m), StandardCharsets.UTF_8)).isEqualTo(
        "{\"num_waiting_reqs\":3,\"kv_cache_usage\":0.25,\"num_running_reqs\":2,\"kv_used_blocks\":100,"
            + "\"kv_total_blocks\":400,\"worker_id\":\"worker-1\",\"ts\":1.5}");
  }

  @Test
  void shouldRoundTrip() throws DecodeException {
    LoadMetrics m = new LoadMetrics(7, 0.875, 5, 14336, 16384, "worker-3", 1.7e9);
    assertThat(LoadMetricsCodec.decode(LoadMetricsCodec.encode(m))).isEqualTo(m);
  }

  @Test
  void shouldDecodeTheReferenceTwoFieldFormAndIgnoreUnknownKeys() throws DecodeException {
    assertThat(LoadMetricsCodec.decode(utf8("{\"kv_cache_usage\":1,\"x\":{\"y\":[1,2]},\"num_waiting_reqs\":0,"
        + "\"worker_id\":null}"))).isEqualTo(new LoadMetrics(0, 1.0));
  }

  @Test
  void shouldRejectMissingOrMistypedFields() {
    assertThatThrownBy(() -> LoadMetricsCodec.decode(utf8("{\"num_waiting_reqs\":1}")))
        .isInstanceOf(DecodeException.class).hasMessageContaining("need num_waiting_reqs and kv_cache_usage");
    assertThatThrownBy(() -> LoadMetricsCodec.decode(utf8("{\"num_waiting_reqs\":\"1\",\"kv_cache_usage\":0}")))
        .isInstanceOf(DecodeException.class).hasMessageContaining("num_waiting_reqs: expected integer");
    assertThatThrownBy(() -> LoadMetricsCodec.decode(utf8("[1,2]")))
        .isInstanceOf(DecodeException.class).hasMessageContaining("expected START_OBJECT");
    assertThatThrownBy(() -> LoadMetricsCodec.decode(utf8("{\"num_waiting_reqs\":1,")))
        .isInstanceOf(DecodeException.class).hasMessageNotContaining("\n");
    assertThatThrownBy(() -> LoadMetricsCodec.decode(utf8("{\"num_waiting_reqs\":1,\"kv_cache_usage\":0} {}")))
        .isInstanceOf(DecodeException.class).hasMessageContaining("trailing");
  }
}

package io.kvroute.common.codec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

class IterationStatsCodecTest {

  /** The reference example (trtllm-and-reference-router.md §2) plus fields we do not use. */
  static final String REFERENCE = "[{\"iter\":154,\"iterLatencyMS\":7.0,\"numActiveRequests\":1,"
      + "\"numQueuedRequests\":0,\"gpuMemUsage\":123456,\"timestamp\":\"11-24-2026 07:00:00\","
      + "\"kvCacheStats\":{\"maxNumBlocks\":101256,\"freeNumBlocks\":101253,\"usedNumBlocks\":3,"
      + "\"tokensPerBlock\":32,\"allocTotalBlocks\":3126,\"allocNewBlocks\":3126,\"reusedBlocks\":4,"
      + "\"missedBlocks\":3121,\"cacheHitRate\":0.00128},"
      + "\"inflightBatchingStats\":{\"numContextRequests\":0,\"numGenRequests\":1,\"numPausedRequests\":0,"
      + "\"numScheduledRequests\":1,\"numCtxTokens\":0,\"microBatchId\":0}}]";

  private static final IterationStats EXPECTED = new IterationStats(154, 7.0, 1, 0,
      new IterationStats.KvCacheStats(101256, 101253, 3, 32, 3126, 3126, 4, 3121, 0.00128),
      new IterationStats.InflightBatchingStats(0, 1, 0, 1, 0));

  @Test
  void shouldDecodeTheReferenceExample() throws DecodeException {
    assertThat(IterationStatsCodec.decodeArray(REFERENCE)).containsExactly(EXPECTED);
  }

  @Test
  void shouldEncodeGoldenJson() {
    assertThat(IterationStatsCodec.encodeArray(List.of(new IterationStats(1, 2.5, 3, 4, null, null))))
        .isEqualTo("[{\"iter\":1,\"iterLatencyMS\":2.5,\"numActiveRequests\":3,\"numQueuedRequests\":4}]");
  }

  @Test
  void shouldRoundTrip() throws DecodeException {
    List<IterationStats> stats = List.of(EXPECTED, new IterationStats(155, 0.5, 0, 9, null,
        new IterationStats.InflightBatchingStats(1, 2, 3, 4, 5)));
    assertThat(IterationStatsCodec.decodeArray(IterationStatsCodec.encodeArray(stats))).isEqualTo(stats);
    assertThat(IterationStatsCodec.decodeArray("[]")).isEmpty();
  }

  @Test
  void shouldRejectMalformedInput() {
    assertThatThrownBy(() -> IterationStatsCodec.decodeArray("{}")).isInstanceOf(DecodeException.class)
        .hasMessageContaining("expected START_ARRAY");
    assertThatThrownBy(() -> IterationStatsCodec.decodeArray("[{\"iter\":\"x\"}]"))
        .isInstanceOf(DecodeException.class).hasMessageContaining("iter: expected integer");
    assertThatThrownBy(() -> IterationStatsCodec.decodeArray("[{\"numActiveRequests\":1.5}]"))
        .isInstanceOf(DecodeException.class).hasMessageContaining("not an integer");
    assertThatThrownBy(() -> IterationStatsCodec.decodeArray("[{\"iter\":1")).isInstanceOf(DecodeException.class);
  }
}

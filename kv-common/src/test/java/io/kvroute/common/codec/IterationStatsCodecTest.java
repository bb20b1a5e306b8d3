package io.kvroute.common.codec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
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

  @Test
  void shouldWriteUtf8BytesEqualToTheStringWithinTheSizeEstimate() throws IOException {
    Random random = new Random(7);
    for (int n : new int[] {0, 1, 2, 50, 400}) {
      List<IterationStats> stats = new ArrayList<>();
      for (int i = 0; i < n; i++) {
        stats.add(new IterationStats(random.nextLong(), random.nextDouble() * 100, random.nextInt(), random.nextInt(),
            new IterationStats.KvCacheStats(random.nextLong(), random.nextLong(), random.nextLong(), random.nextInt(),
                random.nextLong(), random.nextLong(), random.nextLong(), random.nextLong(), random.nextDouble()),
            new IterationStats.InflightBatchingStats(random.nextInt(), random.nextInt(), random.nextInt(),
                random.nextInt(), random.nextInt())));
      }
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      IterationStatsCodec.writeArray(stats, out);
      assertThat(out.toString(StandardCharsets.UTF_8)).isEqualTo(IterationStatsCodec.encodeArray(stats));
      // Full-width random values are the largest a record gets: the estimate holds the whole array.
      assertThat(IterationStatsCodec.estimatedSize(n)).isBetween(out.size(), 2 * out.size());
    }
  }

  @Test
  void shouldDecodeOnlyTheLastStatsOfAStreamAfterCheckingTheWholeArray() throws Exception {
    IterationStats next = new IterationStats(155, 0.5, 0, 9, null, new IterationStats.InflightBatchingStats(1, 2, 3,
        4, 5));
    byte[] two = IterationStatsCodec.encodeArray(List.of(EXPECTED, next)).getBytes(StandardCharsets.UTF_8);
    assertThat(IterationStatsCodec.decodeLast(new ByteArrayInputStream(two))).isEqualTo(next);
    assertThat(IterationStatsCodec.decodeLast(stream(REFERENCE))).isEqualTo(EXPECTED);
    assertThat(IterationStatsCodec.decodeLast(stream("[]"))).isNull();

    // A bad element before a good last one still fails the whole array, as decodeArray does.
    for (String bad : List.of("{}", "[{\"iter\":\"x\"}," + REFERENCE.substring(1), "[{\"iter\":1", "", "[] []")) {
      assertThatThrownBy(() -> IterationStatsCodec.decodeLast(stream(bad))).as(bad)
          .isInstanceOf(DecodeException.class);
      assertThatThrownBy(() -> IterationStatsCodec.decodeArray(bad)).as(bad).isInstanceOf(DecodeException.class);
    }

    InputStream cut = CutStream.halfOf(two);
    assertThatThrownBy(() -> IterationStatsCodec.decodeLast(cut)).isInstanceOf(IOException.class)
        .hasMessage(CutStream.RESET);
  }

  @Test
  void shouldLeaveTheStreamOpen() throws Exception {
    boolean[] closed = {false};
    InputStream body = new ByteArrayInputStream("[]".getBytes(StandardCharsets.UTF_8)) {
      @Override
      public void close() {
        closed[0] = true;
      }
    };
    IterationStatsCodec.decodeLast(body);
    assertThat(closed[0]).isFalse();
  }

  private static InputStream stream(String json) {
    return new ByteArrayInputStream(json.getBytes(StandardCharsets.UTF_8));
  }
}

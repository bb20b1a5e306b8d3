package io.kvroute.perf.trace;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.List;
import org.junit.jupiter.api.Test;

class IdealHitRateTest {

  private static TraceRequest req(int input, long... ids) {
    return new TraceRequest(1, 0, input, 1, ids);
  }

  @Test
  void shouldCountOnlyPrefixBlocksSeenInEarlierRequests() {
    IdealHitRate ideal = IdealHitRate.of(List.of(
        req(1536, 1, 2, 3),   // all new
        req(1500, 1, 2, 4),   // 1, 2 seen -> 2 blocks, 1024 tokens
        req(2048, 5, 2, 3, 4), // 5 new: prefix stops at once although 2, 3, 4 were seen
        req(700, 1, 2)));     // both seen, but only 700 tokens long
    assertThat(ideal.blocks()).isEqualTo(12);
    assertThat(ideal.hitBlocks()).isEqualTo(4);
    assertThat(ideal.tokens()).isEqualTo(1536 + 1500 + 2048 + 700);
    assertThat(ideal.hitTokens()).isEqualTo(1024 + 700);
    assertThat(ideal.blockHitRate()).isCloseTo(4 / 12.0, within(1e-12));
    assertThat(ideal.tokenHitRate()).isCloseTo(1724.0 / 5784, within(1e-12));
  }

  @Test
  void shouldBeZeroForAnEmptyWorkload() {
    assertThat(IdealHitRate.of(List.of()).tokenHitRate()).isZero();
  }
}

package io.kvroute.router.core.load;

import static org.assertj.core.api.Assertions.assertThat;

import io.kvroute.router.core.index.MatchResult;
import org.junit.jupiter.api.Test;

class ActiveLoadsTest {

  private final ActiveLoads loads = new ActiveLoads();

  private void expect(long blocks, long tokens) {
    assertThat(loads.activeBlocks(0)).as("blocks").isEqualTo(blocks);
    assertThat(loads.prefillTokens(0)).as("tokens").isEqualTo(tokens);
  }

  /** The reference's test_active_sequences_shared_blocks (block size 4). */
  @Test
  void shouldRefcountSharedBlocksLikeTheReference() {
    loads.add("r1", 0, new long[] {1, 2, 3}, 12, 0, 4, 0);
    expect(3, 12);
    loads.add("r2", 0, new long[] {4}, 4, 0, 4, 0);
    expect(4, 16);
    loads.add("r3", 0, new long[] {1, 2, 3, 4}, 16, 4, 4, 0);
    expect(4, 16);
    loads.free("r2");
    expect(4, 12);
    loads.free("r3");
    expect(3, 12);
    loads.free("r1");
    expect(0, 0);
    assertThat(loads.activeRequests(0)).isZero();
  }

  @Test
  void shouldStopCountingPrefillOnceDone() {
    loads.add("r1", 0, new long[] {1, 2}, 100, 1, 16, 0);
    assertThat(loads.prefillTokens(0)).isEqualTo(84);
    assertThat(loads.prefillDone("r1")).isTrue();
    assertThat(loads.prefillTokens(0)).isZero();
    assertThat(loads.activeBlocks(0)).isEqualTo(2);
    assertThat(loads.free("r1")).isTrue();
    assertThat(loads.free("r1")).isFalse();
    assertThat(loads.prefillDone("nope")).isFalse();
    expect(0, 0);
  }

  @Test
  void shouldExpireRequestsBookedBeforeTheCutoff() {
    loads.add("old", 0, new long[] {1}, 10, 0, 4, 1_000);
    loads.add("new", 0, new long[] {2}, 10, 0, 4, 5_000);
    assertThat(loads.expire(2_000)).isEqualTo(1);
    assertThat(loads.booking("old")).isNull();
    assertThat(loads.activeBlocks(0)).isEqualTo(1);
    assertThat(loads.activeRequests(0)).isEqualTo(1);
  }

  @Test
  void shouldReportTheActivePrefixOfAQueryPerTarget() {
    loads.add("a", 0, new long[] {10, 11, 12}, 12, 0, 4, 0);
    loads.add("b", 1, new long[] {10}, 4, 0, 4, 0);
    loads.add("c", 70, new long[] {10, 11}, 8, 0, 4, 0);
    MatchResult out = new MatchResult();
    loads.activePrefix(new long[] {10, 11, 12, 13}, out, new long[2]);
    assertThat(out.depth(0)).isEqualTo(3);
    assertThat(out.depth(1)).isEqualTo(1);
    assertThat(out.depth(70)).isEqualTo(2);
    loads.free("a");
    loads.activePrefix(new long[] {10, 11, 12, 13}, out, new long[2]);
    assertThat(out.depth(0)).isZero();
  }

  @Test
  void shouldReplaceARebookedRequest() {
    loads.add("r", 0, new long[] {1, 2}, 8, 0, 4, 0);
    loads.add("r", 1, new long[] {1, 2}, 8, 0, 4, 0);
    assertThat(loads.activeRequests(0)).isZero();
    assertThat(loads.activeBlocks(0)).isZero();
    assertThat(loads.activeRequests(1)).isEqualTo(1);
  }
}

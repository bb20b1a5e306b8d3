package io.kvroute.perf.prompt;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Arrays;
import org.junit.jupiter.api.Test;

class BlockTokenMapperTest {

  private final BlockTokenMapper mapper = new BlockTokenMapper(4096, 512, 42);

  @Test
  void shouldMapTheSameIdToTheSameBlockAndOthersToDifferentBlocks() {
    assertThat(mapper.block(7)).isEqualTo(new BlockTokenMapper(4096, 512, 42).block(7));
    assertThat(mapper.block(7)).isNotEqualTo(mapper.block(8));
    assertThat(mapper.block(7)).isNotEqualTo(new BlockTokenMapper(4096, 512, 43).block(7));
    assertThat(mapper.block(7)).hasSize(512);
    assertThat(java.util.Arrays.stream(mapper.block(7))).allMatch(i -> i >= 0 && i < 4096);
  }

  @Test
  void shouldBuildPromptsThatShareExactlyTheirCommonHashPrefix() {
    int[] a = mapper.prompt(new long[] {0, 1, 2, 3}, 1900, -1);
    int[] b = mapper.prompt(new long[] {0, 1, 9}, 1300, -2);
    assertThat(a).hasSize(1900);
    assertThat(b).hasSize(1300);
    assertThat(Arrays.copyOf(a, 1024)).isEqualTo(Arrays.copyOf(b, 1024));
    assertThat(Arrays.copyOfRange(a, 1024, 1300)).isNotEqualTo(Arrays.copyOfRange(b, 1024, 1300));
    assertThat(Arrays.copyOfRange(a, 1536, 1900)).isEqualTo(Arrays.copyOf(mapper.block(3), 364));
  }

  @Test
  void shouldFillTokensBeyondTheLastBlockPerRequest() {
    int[] a = mapper.prompt(new long[] {5}, 700, -1);
    int[] again = mapper.prompt(new long[] {5}, 700, -1);
    int[] other = mapper.prompt(new long[] {5}, 700, -2);
    assertThat(a).isEqualTo(again);
    assertThat(Arrays.copyOf(a, 512)).isEqualTo(mapper.block(5));
    assertThat(Arrays.copyOfRange(a, 512, 700)).isNotEqualTo(Arrays.copyOfRange(other, 512, 700));
  }
}

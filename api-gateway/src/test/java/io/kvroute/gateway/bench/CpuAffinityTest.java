package io.kvroute.gateway.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.BitSet;
import org.junit.jupiter.api.Test;

/** The CPU lists the benchmark's --isolate-gateway reads from /proc and hands to taskset. */
class CpuAffinityTest {

  @Test
  void shouldParseCoresAndRangesAndFormatThemCollapsed() {
    BitSet set = CpuAffinity.parse("0-2, 5,7-7,8");

    assertThat(set.stream().toArray()).containsExactly(0, 1, 2, 5, 7, 8);
    assertThat(CpuAffinity.format(set)).isEqualTo("0-2,5,7-8");
  }

  @Test
  void shouldRejectMalformedListsNamingTheBadPart() {
    assertThatThrownBy(() -> CpuAffinity.parse("0,3-1")).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("'3-1'");
    assertThatThrownBy(() -> CpuAffinity.parse("last")).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("'last'");
  }

  @Test
  void shouldReadThisProcessesCores() {
    BitSet allowed = CpuAffinity.allowed();

    // the JVM counts the cores of its affinity mask, fewer only under a cgroup CPU quota
    assertThat(allowed.cardinality()).isGreaterThanOrEqualTo(Runtime.getRuntime().availableProcessors());
  }
}

package io.kvroute.common.event;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class KvEventTest {

  private static long u(String unsigned) {
    return Long.parseUnsignedLong(unsigned);
  }

  @Test
  void shouldPairEveryEngineHashWithItsLocalHash() {
    assertThatThrownBy(() -> KvEvent.Stored.root(new long[] {1, 2}, new long[] {3}))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("differ in length");
    KvEvent.Stored s = KvEvent.Stored.under(u("18446744073709551615"), new long[] {1, 2}, new long[] {3, 4});
    assertThat(s.hasParent()).isTrue();
    assertThat(s.size()).isEqualTo(2);
    assertThat(s.type()).isEqualTo("stored");
  }

  @Test
  void shouldIgnoreTheParentValueOfARootEvent() {
    // A root carries no parent: whatever value came with it, equal roots are equal.
    assertThat(new KvEvent.Stored(false, 99L, new long[] {1}, new long[] {2}))
        .isEqualTo(KvEvent.Stored.root(new long[] {1}, new long[] {2}))
        .hasSameHashCodeAs(KvEvent.Stored.root(new long[] {1}, new long[] {2}));
    assertThat(KvEvent.Stored.under(0L, new long[] {1}, new long[] {2}))
        .isNotEqualTo(KvEvent.Stored.root(new long[] {1}, new long[] {2}));
  }

  @Test
  void shouldCompareAndPrintHashesAsUnsigned64Bit() {
    long big = u("18446744073709551615");
    KvEvent.Stored s = KvEvent.Stored.under(u("9223372036854775808"), new long[] {big}, new long[] {7});
    assertThat(s).isEqualTo(KvEvent.Stored.under(Long.MIN_VALUE, new long[] {-1L}, new long[] {7}));
    assertThat(s.toString()).contains("parent=9223372036854775808").contains("18446744073709551615")
        .doesNotContain("-1");
    assertThat(new KvEvent.Removed(new long[] {big}).toString()).contains("18446744073709551615");
    assertThat(new KvEvent.Removed(new long[] {5, big})).isEqualTo(new KvEvent.Removed(new long[] {5, -1L}))
        .isNotEqualTo(new KvEvent.Removed(new long[] {big, 5}));
    assertThat(KvEvent.Cleared.INSTANCE.type()).isEqualTo("cleared");
  }

  @Test
  void shouldHoldAnImmutableBatchOfOneDpRank() {
    List<KvEvent> events = new ArrayList<>(List.of(KvEvent.Stored.root(new long[] {1, 2}, new long[] {3, 4}),
        new KvEvent.Removed(new long[] {1}), KvEvent.Cleared.INSTANCE));
    KvEventBatch batch = new KvEventBatch(1.5, events, 2);
    events.clear();
    assertThat(batch.events()).hasSize(3);
    assertThat(batch.dpRank()).isEqualTo(2);
    assertThat(batch.blockCount()).isEqualTo(3);
    assertThatThrownBy(() -> batch.events().add(KvEvent.Cleared.INSTANCE))
        .isInstanceOf(UnsupportedOperationException.class);
  }
}

package io.kvroute.agent.events;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.kvroute.common.codec.RecoveryJson.SeqBatch;
import io.kvroute.common.event.KvEvent;
import io.kvroute.common.event.KvEventBatch;
import java.util.List;
import org.junit.jupiter.api.Test;

class ReplayRingTest {

  private static KvEventBatch batch(long n) {
    return new KvEventBatch(n, List.of(new KvEvent.Removed(new long[] {n})), 0);
  }

  @Test
  void shouldReturnBatchesAfterASeqUntilTheyLeaveTheRing() {
    ReplayRing ring = new ReplayRing(3);
    assertThat(ring.after(-1, -1)).isEmpty();
    for (long s = 0; s < 5; s++) {
      ring.add(s, batch(s));
    }
    assertThat(ring.after(1, 4)).extracting(SeqBatch::seq).containsExactly(2L, 3L, 4L);
    assertThat(ring.after(3, 4)).extracting(SeqBatch::seq).containsExactly(4L);
    assertThat(ring.after(4, 4)).isEmpty();
    assertThat(ring.after(9, 4)).isNull();
    assertThat(ring.after(0, 4)).isNull();
    assertThat(ring.after(-1, 4)).isNull();
    assertThat(ring.after(2, 4).get(0).batch()).isEqualTo(batch(3));
  }

  @Test
  void shouldRefuseNonContiguousSeqs() {
    ReplayRing ring = new ReplayRing(3);
    ring.add(0, batch(0));
    assertThatThrownBy(() -> ring.add(2, batch(2))).isInstanceOf(IllegalArgumentException.class);
  }
}

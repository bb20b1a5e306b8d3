package io.kvroute.router.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.kvroute.common.codec.DecodeException;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

class DeltaBatchCodecTest {

  @Test
  void shouldRoundTripEveryKindWithUnsignedHashes() throws Exception {
    DeltaBatch batch = new DeltaBatch("replica-a", 1_700_000_000_123L, List.of(
        LoadDelta.booked("req-1", "worker-0", 2, 1000, 7, new long[] {-1L, 0L, Long.MIN_VALUE, 42L}),
        LoadDelta.prefillDone("req-1"),
        LoadDelta.released("req-1"),
        LoadDelta.booked("r\u00e9q-\u4e2d", "w", 0, 0, 0, new long[0])));

    DeltaBatch back = DeltaBatchCodec.decode(DeltaBatchCodec.encode(batch));

    assertThat(back.replicaId()).isEqualTo("replica-a");
    assertThat(back.sentAtMillis()).isEqualTo(1_700_000_000_123L);
    assertThat(back.deltas()).hasSize(4);
    LoadDelta b = back.deltas().get(0);
    assertThat(b.kind()).isEqualTo(LoadDelta.Kind.BOOKED);
    assertThat(b.requestId()).isEqualTo("req-1");
    assertThat(b.workerId()).isEqualTo("worker-0");
    assertThat(b.dpRank()).isEqualTo(2);
    assertThat(b.numTokens()).isEqualTo(1000);
    assertThat(b.overlapBlocks()).isEqualTo(7);
    assertThat(b.localHashes()).containsExactly(-1L, 0L, Long.MIN_VALUE, 42L);
    assertThat(back.deltas().get(1).kind()).isEqualTo(LoadDelta.Kind.PREFILL_DONE);
    assertThat(back.deltas().get(2).kind()).isEqualTo(LoadDelta.Kind.RELEASED);
    assertThat(back.deltas().get(3).requestId()).isEqualTo("r\u00e9q-\u4e2d");
  }

  @Test
  void shouldRefuseEveryTruncationOfAValidBatch() {
    byte[] good = DeltaBatchCodec.encode(new DeltaBatch("r", 1, List.of(
        LoadDelta.booked("q", "w", 0, 64, 1, new long[] {1, 2}), LoadDelta.released("q"))));
    for (int len = 0; len < good.length; len++) {
      byte[] cut = Arrays.copyOf(good, len);
      assertThatThrownBy(() -> DeltaBatchCodec.decode(cut)).as("length %d", len)
          .isInstanceOf(DecodeException.class);
    }
  }

  @Test
  void shouldRefuseHugeCountsWithoutAllocatingThem() {
    ByteBuffer b = ByteBuffer.allocate(32);
    b.put((byte) 1).putShort((short) 1).put((byte) 'r').putLong(5).putInt(Integer.MAX_VALUE);
    assertThatThrownBy(() -> DeltaBatchCodec.decode(Arrays.copyOf(b.array(), b.position())))
        .isInstanceOf(DecodeException.class).hasMessageContaining("count");

    byte[] booked = DeltaBatchCodec.encode(new DeltaBatch("r", 1, List.of(
        LoadDelta.booked("q", "w", 0, 64, 1, new long[] {1}))));
    // The hash count sits right before the single 8-byte hash.
    ByteBuffer.wrap(booked).putInt(booked.length - 12, 1 << 28);
    assertThatThrownBy(() -> DeltaBatchCodec.decode(booked)).isInstanceOf(DecodeException.class)
        .hasMessageContaining("hash count");
  }

  @Test
  void shouldRefuseUnknownVersionKindAndTrailingBytes() {
    byte[] good = DeltaBatchCodec.encode(new DeltaBatch("r", 1, List.of(LoadDelta.released("q"))));
    byte[] version = good.clone();
    version[0] = 9;
    assertThatThrownBy(() -> DeltaBatchCodec.decode(version)).isInstanceOf(DecodeException.class)
        .hasMessageContaining("version");
    byte[] kind = good.clone();
    kind[1 + 2 + 1 + 8 + 4] = 7;
    assertThatThrownBy(() -> DeltaBatchCodec.decode(kind)).isInstanceOf(DecodeException.class)
        .hasMessageContaining("kind");
    byte[] trailing = Arrays.copyOf(good, good.length + 1);
    assertThatThrownBy(() -> DeltaBatchCodec.decode(trailing)).isInstanceOf(DecodeException.class)
        .hasMessageContaining("trailing");
    assertThatThrownBy(() -> DeltaBatchCodec.decode(null)).isInstanceOf(DecodeException.class);
  }
}

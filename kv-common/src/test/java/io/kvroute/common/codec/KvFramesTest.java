package io.kvroute.common.codec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

class KvFramesTest {

  @Test
  void shouldWriteSeqAsEightBytesBigEndian() {
    assertThat(Hex.of(KvFrames.seqBytes(1))).isEqualTo("00 00 00 00 00 00 00 01");
    assertThat(Hex.of(KvFrames.seqBytes(0x0102030405060708L))).isEqualTo("01 02 03 04 05 06 07 08");
    assertThat(Hex.of(KvFrames.seqBytes(-1L))).isEqualTo("ff ff ff ff ff ff ff ff");
  }

  @Test
  void shouldRoundTripAFrame() throws DecodeException {
    byte[] payload = {1, 2, 3};
    KvFrames.Frame f = KvFrames.decode(KvFrames.encode("worker-0", Hex.u("18446744073709551615"), payload));
    assertThat(f.topic()).isEqualTo("worker-0");
    assertThat(Long.toUnsignedString(f.seq())).isEqualTo("18446744073709551615");
    assertThat(f.payload()).containsExactly(1, 2, 3);
  }

  @Test
  void shouldDecodeEmptyTopic() throws DecodeException {
    KvFrames.Frame f = KvFrames.decode(List.of(new byte[0], Hex.bytes("00 00 00 00 00 00 01 00"), new byte[0]));
    assertThat(f.topic()).isEmpty();
    assertThat(f.seq()).isEqualTo(256);
  }

  @Test
  void shouldRejectWrongFrameCountAndSeqLength() {
    byte[] topic = "t".getBytes(StandardCharsets.UTF_8);
    assertThatThrownBy(() -> KvFrames.decode(List.of(topic, new byte[8])))
        .isInstanceOf(DecodeException.class).hasMessageContaining("expected 3 frames, got 2");
    assertThatThrownBy(() -> KvFrames.decode(List.of(topic, new byte[8], new byte[1], new byte[1])))
        .isInstanceOf(DecodeException.class).hasMessageContaining("got 4");
    assertThatThrownBy(() -> KvFrames.decode(List.of(topic, new byte[7], new byte[1])))
        .isInstanceOf(DecodeException.class).hasMessageContaining("seq frame must be 8 bytes, got 7");
    assertThatThrownBy(() -> KvFrames.decode(null)).isInstanceOf(DecodeException.class);
  }
}

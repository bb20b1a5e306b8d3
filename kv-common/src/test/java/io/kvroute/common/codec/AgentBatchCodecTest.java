package io.kvroute.common.codec;

import static io.kvroute.common.codec.Hex.u;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.kvroute.common.event.KvEvent;
import io.kvroute.common.event.KvEventBatch;
import java.io.IOException;
import java.math.BigInteger;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.msgpack.core.MessageBufferPacker;
import org.msgpack.core.MessageFormat;
import org.msgpack.core.MessagePack;
import org.msgpack.core.MessageUnpacker;

class AgentBatchCodecTest {

  /** [1.5, [{"type":"stored","parent_hash":nil,"blocks":[[1, 2^63+5]]}], 0] */
  static final String ONE_STORED = "93 cb 3f f8 00 00 00 00 00 00 91"
      + " 83 a4 74797065 a6 73746f726564"
      + " ab 706172656e745f68617368 c0"
      + " a6 626c6f636b73 91 92 01 cf 80 00 00 00 00 00 00 05"
      + " 00";

  /** [0.0, [{"type":"removed","block_hashes":[300, 2^64-1]}, {"type":"cleared"}], 3] */
  static final String REMOVED_CLEARED = "93 cb 00 00 00 00 00 00 00 00 92"
      + " 82 a4 74797065 a7 72656d6f766564 ac 626c6f636b5f686173686573 92 cd 01 2c cf ff ff ff ff ff ff ff ff"
      + " 81 a4 74797065 a7 636c6561726564"
      + " 03";

  @Test
  void shouldEncodeOneStoredEventToGoldenBytes() {
    KvEventBatch batch = new KvEventBatch(1.5,
        List.of(KvEvent.Stored.root(new long[] {1}, new long[] {u("9223372036854775813")})), 0);
    assertThat(Hex.of(AgentBatchCodec.encode(batch))).isEqualTo(Hex.of(Hex.bytes(ONE_STORED)));
  }

  @Test
  void shouldDecodeGoldenBytes() throws DecodeException {
    KvEventBatch b = AgentBatchCodec.decode(Hex.bytes(ONE_STORED));
    assertThat(b.timestamp()).isEqualTo(1.5);
    assertThat(b.dpRank()).isZero();
    assertThat(b.events()).containsExactly(
        KvEvent.Stored.root(new long[] {1}, new long[] {u("9223372036854775813")}));

    KvEventBatch r = AgentBatchCodec.decode(Hex.bytes(REMOVED_CLEARED));
    assertThat(r.dpRank()).isEqualTo(3);
    assertThat(r.events()).containsExactly(new KvEvent.Removed(new long[] {300, -1L}), KvEvent.Cleared.INSTANCE);
  }

  @Test
  void shouldEncodeRemovedAndClearedToGoldenBytes() {
    KvEventBatch batch = new KvEventBatch(0.0,
        List.of(new KvEvent.Removed(new long[] {300, u("18446744073709551615")}), KvEvent.Cleared.INSTANCE), 3);
    assertThat(Hex.of(AgentBatchCodec.encode(batch))).isEqualTo(Hex.of(Hex.bytes(REMOVED_CLEARED)));
  }

  @Test
  void shouldWriteHashesAtOrAbove2pow63AsUint64() throws IOException {
    long big = u("18000000000000000000");
    byte[] bytes = AgentBatchCodec.encode(new KvEventBatch(2.0,
        List.of(KvEvent.Stored.under(big, new long[] {big}, new long[] {7})), 1));
    // An independent reader (msgpack-core) must see the unsigned value, not a negative int64.
    try (MessageUnpacker u = MessagePack.newDefaultUnpacker(bytes)) {
      u.unpackArrayHeader();
      u.unpackDouble();
      u.unpackArrayHeader();
      u.unpackMapHeader();
      u.unpackString();
      u.unpackString();
      assertThat(u.unpackString()).isEqualTo("parent_hash");
      assertThat(u.getNextFormat()).isEqualTo(MessageFormat.UINT64);
      assertThat(u.unpackBigInteger()).isEqualTo(new BigInteger("18000000000000000000"));
    }
  }

  @Test
  void shouldRoundTripParentsAndManyBlocks() throws DecodeException {
    long[] blocks = new long[100];
    long[] tokens = new long[100];
    for (int i = 0; i < blocks.length; i++) {
      blocks[i] = i * 0x9E3779B97F4A7C15L;
      tokens[i] = ~blocks[i];
    }
    KvEventBatch batch = new KvEventBatch(1.7e9, List.of(KvEvent.Stored.under(-2L, blocks, tokens),
        KvEvent.Stored.root(new long[0], new long[0]), new KvEvent.Removed(blocks), KvEvent.Cleared.INSTANCE), 7);
    assertThat(AgentBatchCodec.decode(AgentBatchCodec.encode(batch))).isEqualTo(batch);
  }

  @Test
  void shouldAcceptSignedHashesKeysInAnyOrderUnknownKeysAndMissingDpRank() throws IOException, DecodeException {
    MessageBufferPacker p = MessagePack.newDefaultBufferPacker();
    p.packArrayHeader(2).packInt(5).packArrayHeader(1);
    p.packMapHeader(4);
    p.packString("blocks").packArrayHeader(1).packArrayHeader(3).packLong(-1).packLong(-2).packString("extra");
    p.packString("future_field").packMapHeader(1).packString("x").packArrayHeader(0);
    p.packString("parent_hash").packLong(Long.MIN_VALUE);
    p.packString("type").packString("stored");
    KvEventBatch b = AgentBatchCodec.decode(p.toByteArray());
    assertThat(b.timestamp()).isEqualTo(5.0);
    assertThat(b.dpRank()).isZero();
    assertThat(b.events()).containsExactly(KvEvent.Stored.under(u("9223372036854775808"),
        new long[] {u("18446744073709551615")}, new long[] {u("18446744073709551614")}));
  }

  @Test
  void shouldRejectMalformedPayloads() {
    assertThatThrownBy(() -> AgentBatchCodec.decode(Hex.bytes("dd 7f ff ff ff 00")))
        .isInstanceOf(DecodeException.class).hasMessageContaining("claims 2147483647 elements");
    assertThatThrownBy(() -> AgentBatchCodec.decode(Hex.bytes("93 cb 00 00 00 00 00 00 00 00 dd ff ff ff ff")))
        .isInstanceOf(DecodeException.class).hasMessageContaining("claims 4294967295 elements");
    assertThatThrownBy(() -> AgentBatchCodec.decode(Hex.bytes("93 cb 00 00")))
        .isInstanceOf(DecodeException.class).hasMessageContaining("truncated");
    assertThatThrownBy(() -> AgentBatchCodec.decode(
        Hex.bytes("93 cb 00 00 00 00 00 00 00 00 91 81 a4 74797065 a3 666f6f 00")))
        .isInstanceOf(DecodeException.class).hasMessageContaining("not an agent event type");
    assertThatThrownBy(() -> AgentBatchCodec.decode(Hex.bytes("93 a1 78 90 00")))
        .isInstanceOf(DecodeException.class).hasMessageContaining("ts: expected number");
    assertThatThrownBy(() -> AgentBatchCodec.decode(Hex.bytes(ONE_STORED + " 00")))
        .isInstanceOf(DecodeException.class).hasMessageContaining("trailing");
    assertThatThrownBy(() -> AgentBatchCodec.decode(new byte[0])).isInstanceOf(DecodeException.class);
  }
}

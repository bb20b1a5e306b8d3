package io.kvroute.common.codec;

import static io.kvroute.common.codec.Hex.u;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.msgpack.core.MessageBufferPacker;
import org.msgpack.core.MessagePack;

class VllmBatchCodecTest {

  /** [1.0, [["BlockStored", [1, 2^64-1], nil, [1,2,3,4], 2, nil, "GPU", nil, nil]], 0] (vLLM msgspec form). */
  static final String POSITIONAL_STORED = "93 cb 3f f0 00 00 00 00 00 00 91"
      + " 99 ab 426c6f636b53746f726564"
      + " 92 01 cf ff ff ff ff ff ff ff ff"
      + " c0"
      + " 94 01 02 03 04"
      + " 02"
      + " c0"
      + " a3 475055"
      + " c0"
      + " c0"
      + " 00";

  /** [0.0, [{"type":"BlockRemoved","block_hashes":[5]}]] (map form, no dp rank). */
  static final String MAP_REMOVED = "92 cb 00 00 00 00 00 00 00 00 91"
      + " 82 a4 74797065 ac 426c6f636b52656d6f766564 ac 626c6f636b5f686173686573 91 05";

  /**
   * [0.0, [{"type":"BlockStored","x_future":[1,"y"],"block_hashes":[-3 as int64, 2^64-2 as uint64],
   * "token_ids":[[10,11],[11,12],[12,13]],"block_size":2,"medium":"GPU"}]] (map form as msgspec writes it with
   * {@code array_like=False}: no parent, no dp rank, a key from a newer vLLM, signed and unsigned hashes, eagle
   * bigram token ids).
   */
  static final String MAP_STORED = "92 cb 00 00 00 00 00 00 00 00 91"
      + " 86 a4 74797065 ab 426c6f636b53746f726564"
      + " a8 785f667574757265 92 01 a1 79"
      + " ac 626c6f636b5f686173686573 92 d3 ff ff ff ff ff ff ff fd cf ff ff ff ff ff ff ff fe"
      + " a9 746f6b656e5f696473 93 92 0a 0b 92 0b 0c 92 0c 0d"
      + " aa 626c6f636b5f73697a65 02"
      + " a6 6d656469756d a3 475055";

  /**
   * What {@link VllmBatchCodec#encode} writes for
   * [1.0, [{"type":"BlockStored","block_hashes":[2^63+1],"parent_block_hash":7,"token_ids":[1,2],"block_size":2}], 0].
   */
  static final String MAP_STORED_ENCODED = "93 cb 3f f0 00 00 00 00 00 00 91"
      + " 85 a4 74797065 ab 426c6f636b53746f726564"
      + " ac 626c6f636b5f686173686573 91 cf 80 00 00 00 00 00 00 01"
      + " b1 706172656e745f626c6f636b5f68617368 07"
      + " a9 746f6b656e5f696473 92 01 02"
      + " aa 626c6f636b5f73697a65 02"
      + " 00";

  private static final VllmEvent.BlockStored GOLDEN_STORED = new VllmEvent.BlockStored(
      new long[] {1, u("18446744073709551615")}, null, new int[] {1, 2, 3, 4}, 2, null, "GPU", null);

  @Test
  void shouldDecodePositionalGoldenBytes() throws DecodeException {
    VllmBatch b = VllmBatchCodec.decode(Hex.bytes(POSITIONAL_STORED));
    assertThat(b.ts()).isEqualTo(1.0);
    assertThat(b.dpRank()).isZero();
    assertThat(b.events()).containsExactly(GOLDEN_STORED);
  }

  @Test
  void shouldEncodePositionalGoldenBytes() {
    assertThat(Hex.of(VllmBatchCodec.encodePositional(new VllmBatch(1.0, List.of(GOLDEN_STORED), 0))))
        .isEqualTo(Hex.of(Hex.bytes(POSITIONAL_STORED)));
  }

  @Test
  void shouldDecodeMapGoldenBytesWithoutDpRank() throws DecodeException {
    VllmBatch b = VllmBatchCodec.decode(Hex.bytes(MAP_REMOVED));
    assertThat(b.dpRank()).isNull();
    assertThat(b.events()).containsExactly(new VllmEvent.BlockRemoved(new long[] {5}, null));
  }

  @Test
  void shouldDecodeMapGoldenBytesWithUnknownKeySignedHashesAndBigrams() throws DecodeException {
    VllmBatch b = VllmBatchCodec.decode(Hex.bytes(MAP_STORED));
    assertThat(b.ts()).isZero();
    assertThat(b.dpRank()).isNull();
    assertThat(b.events()).hasSize(1);
    VllmEvent.BlockStored s = (VllmEvent.BlockStored) b.events().get(0);
    assertThat(s.blockHashes()).containsExactly(u("18446744073709551613"), u("18446744073709551614"));
    assertThat(s.parentBlockHash()).isNull();
    assertThat(s.tokenIds()).containsExactly(10, 11, 12, 13);
    assertThat(s.bigram()).isTrue();
    assertThat(s.blockSize()).isEqualTo(2);
    assertThat(s.medium()).isEqualTo("GPU");
    assertThat(s.loraName()).isNull();
    assertThat(s.cacheSalt()).isNull();
  }

  @Test
  void shouldEncodeMapGoldenBytesAndDecodeThemBack() throws DecodeException {
    VllmBatch batch = new VllmBatch(1.0, List.of(new VllmEvent.BlockStored(new long[] {u("9223372036854775809")}, 7L,
        new int[] {1, 2}, 2, null, null, null)), 0);
    assertThat(Hex.of(VllmBatchCodec.encode(batch))).isEqualTo(Hex.of(Hex.bytes(MAP_STORED_ENCODED)));
    assertThat(VllmBatchCodec.decode(Hex.bytes(MAP_STORED_ENCODED))).isEqualTo(batch);
  }

  @Test
  void shouldReadSignedHashesAsTheSameU64() throws DecodeException {
    // Same as the golden, but 2^64-1 sent as int64 -1 (d3) and as negative fixint (ff): Python's _to_signed_i64.
    String asInt64 = POSITIONAL_STORED.replace("cf ff ff ff ff ff ff ff ff", "d3 ff ff ff ff ff ff ff ff");
    String asFixint = POSITIONAL_STORED.replace("cf ff ff ff ff ff ff ff ff", "ff");
    assertThat(VllmBatchCodec.decode(Hex.bytes(asInt64)).events()).containsExactly(GOLDEN_STORED);
    assertThat(VllmBatchCodec.decode(Hex.bytes(asFixint)).events()).containsExactly(GOLDEN_STORED);
  }

  @Test
  void shouldRoundTripBothForms() throws DecodeException {
    VllmBatch batch = new VllmBatch(1.7e9, List.of(
        new VllmEvent.BlockStored(new long[] {u("9223372036854775808"), 3}, u("18446744073709551614"),
            new int[] {0, -1, 151643, 7, 8, 9}, 3, "adapter-a", null, "tenant-a"),
        new VllmEvent.BlockStored(new long[] {4}, 9L, new int[] {1, 2, 3, 4}, 3, null, "CPU_TIER1", null, true),
        new VllmEvent.BlockRemoved(new long[] {-5L}, "GPU"),
        new VllmEvent.BlockRemoved(new long[] {}, null),
        new VllmEvent.AllBlocksCleared()), 2);
    assertThat(VllmBatchCodec.decode(VllmBatchCodec.encode(batch))).isEqualTo(batch);
    assertThat(VllmBatchCodec.decode(VllmBatchCodec.encodePositional(batch))).isEqualTo(batch);
    VllmBatch noRank = new VllmBatch(0, List.of(), null);
    assertThat(VllmBatchCodec.decode(VllmBatchCodec.encode(noRank))).isEqualTo(noRank);
  }

  @Test
  void shouldAcceptShortAndLongPositionalEventsAndIgnoreExtras() throws IOException, DecodeException {
    MessageBufferPacker p = MessagePack.newDefaultBufferPacker();
    p.packArrayHeader(3).packDouble(0).packArrayHeader(5);
    // Stops right after block_size.
    p.packArrayHeader(5).packString("BlockStored").packArrayHeader(1).packInt(1).packNil()
        .packArrayHeader(2).packInt(5).packInt(6).packInt(2);
    // Full prefix plus the optional tail (block_mm_infos, group_idx, kind, sliding window, locality, source_kind).
    p.packArrayHeader(15).packString("BlockStored").packArrayHeader(1).packInt(2).packInt(1)
        .packArrayHeader(2).packInt(7).packInt(8).packInt(2).packInt(3).packString("GPU").packString("lora-x")
        .packArrayHeader(1).packArrayHeader(1).packString("lora-x")
        .packNil().packInt(0).packString("full_attention").packNil().packString("LOCAL").packString("engine");
    p.packArrayHeader(5).packString("BlockRemoved").packArrayHeader(1).packInt(1).packNil().packInt(0).packNil();
    p.packArrayHeader(2).packString("AllBlocksCleared").packString("engine");
    p.packArrayHeader(3).packString("Ignored").packInt(1).packInt(2);
    p.packInt(1);
    VllmBatch b = VllmBatchCodec.decode(p.toByteArray());
    assertThat(b.events()).containsExactly(
        new VllmEvent.BlockStored(new long[] {1}, null, new int[] {5, 6}, 2, null, null, null),
        new VllmEvent.BlockStored(new long[] {2}, 1L, new int[] {7, 8}, 2, "lora-x", "GPU", null, false, null,
            new VllmEvent.Spec(0, "full_attention", null, "LOCAL")),
        new VllmEvent.BlockRemoved(new long[] {1}, null, new VllmEvent.Spec(0, null, null, null)),
        new VllmEvent.AllBlocksCleared());
    assertThat(b.dpRank()).isEqualTo(1);
  }

  @Test
  void shouldReadCacheSaltFromPositionSevenMapAndFromExtraKeys() throws IOException, DecodeException {
    MessageBufferPacker p = MessagePack.newDefaultBufferPacker();
    p.packArrayHeader(2).packDouble(0).packArrayHeader(3);
    p.packArrayHeader(8).packString("BlockStored").packArrayHeader(1).packInt(1).packNil()
        .packArrayHeader(2).packInt(5).packInt(6).packInt(2).packNil().packNil()
        .packMapHeader(2).packString("cache_salt").packString("tenant-a").packString("other").packInt(1);
    p.packArrayHeader(9).packString("BlockStored").packArrayHeader(1).packInt(1).packNil()
        .packArrayHeader(2).packInt(5).packInt(6).packInt(2).packNil().packNil().packNil()
        .packArrayHeader(2).packArrayHeader(2).packString("ab".repeat(32)).packString("dynamo-cache-salt:tenant-b")
        .packNil();
    p.packMapHeader(7).packString("type").packString("BlockStored").packString("lora_id").packInt(3)
        .packString("block_hashes").packArrayHeader(0).packString("token_ids").packArrayHeader(0)
        .packString("block_size").packInt(2).packString("extra_keys")
        .packArrayHeader(1).packArrayHeader(1).packString("dynamo-cache-salt:tenant-c")
        .packString("lora_name").packString("l");
    List<VllmEvent> events = VllmBatchCodec.decode(p.toByteArray()).events();
    assertThat(events).extracting(e -> ((VllmEvent.BlockStored) e).cacheSalt())
        .containsExactly("tenant-a", "tenant-b", "tenant-c");
    assertThat(((VllmEvent.BlockStored) events.get(2)).loraName()).isEqualTo("l");
  }

  @Test
  void shouldFlattenEagleBigrams() throws IOException, DecodeException {
    MessageBufferPacker p = MessagePack.newDefaultBufferPacker();
    p.packArrayHeader(2).packDouble(0).packArrayHeader(1);
    p.packMapHeader(4).packString("type").packString("BlockStored").packString("block_hashes")
        .packArrayHeader(1).packInt(1).packString("token_ids")
        .packArrayHeader(3).packArrayHeader(2).packInt(10).packInt(11).packArrayHeader(2).packInt(11).packInt(12)
        .packArrayHeader(2).packInt(12).packInt(13).packString("block_size").packInt(2);
    VllmEvent.BlockStored s = (VllmEvent.BlockStored) VllmBatchCodec.decode(p.toByteArray()).events().get(0);
    assertThat(s.bigram()).isTrue();
    assertThat(s.tokenIds()).containsExactly(10, 11, 12, 13);
  }

  @Test
  void shouldRejectMalformedBatches() {
    assertThatThrownBy(() -> VllmBatchCodec.decode(Hex.bytes("92 00 91 92 a3 466f6f 00")))
        .isInstanceOf(DecodeException.class).hasMessageContaining("unknown vLLM event type");
    assertThatThrownBy(() -> VllmBatchCodec.decode(Hex.bytes("92 00 91 93 ab 426c6f636b53746f726564 90 c0")))
        .isInstanceOf(DecodeException.class).hasMessageContaining("at least 5 elements");
    assertThatThrownBy(() -> VllmBatchCodec.decode(Hex.bytes("92 00 91 81 a4 74797065 ab 426c6f636b53746f726564")))
        .isInstanceOf(DecodeException.class).hasMessageContaining("missing block_hashes");
    // token id above u32
    assertThatThrownBy(() -> VllmBatchCodec.decode(Hex.bytes(
        POSITIONAL_STORED.replace("94 01 02 03 04", "94 01 02 03 cf 00 00 00 01 00 00 00 00"))))
        .isInstanceOf(DecodeException.class).hasMessageContaining("token_id out of range");
    assertThatThrownBy(() -> VllmBatchCodec.decode(Hex.bytes("92 00 dd 80 00 00 00")))
        .isInstanceOf(DecodeException.class).hasMessageContaining("claims 2147483648 elements");
    assertThatThrownBy(() -> VllmBatchCodec.decode(Hex.bytes("92 00 91 81 db 7f ff ff ff 41")))
        .isInstanceOf(DecodeException.class).hasMessageContaining("string header claims 2147483647 bytes");
  }
}

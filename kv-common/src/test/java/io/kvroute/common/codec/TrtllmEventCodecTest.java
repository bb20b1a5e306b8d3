package io.kvroute.common.codec;

import static io.kvroute.common.codec.Hex.u;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

class TrtllmEventCodecTest {

  /** The reference examples (trtllm-and-reference-router.md §2), one JSON array. */
  static final String REFERENCE = "["
      + "{\"event_id\":0,\"data\":{\"type\":\"created\",\"num_blocks_per_cache_level\":[101256,0]},"
      + "\"window_size\":4096},"
      + "{\"event_id\":1,\"data\":{\"type\":\"stored\",\"parent_hash\":null,\"blocks\":[{\"type\":\"stored_block\","
      + "\"block_hash\":1311768467463790320,\"tokens\":[{\"type\":\"unique_token\",\"token_id\":9707,"
      + "\"token_extra_id\":0}],\"cache_level\":0,\"priority\":35,"
      + "\"mm_keys\":[{\"type\":\"mm_key\",\"hash\":\"00000000000000ff"
      + "0123456789abcdef0123456789abcdef0123456789abcdef\","
      + "\"start_offset\":0}]}]},\"window_size\":4096,\"attention_dp_rank\":0},"
      + "{\"event_id\":2,\"data\":{\"type\":\"removed\",\"block_hashes\":[1311768467463790320]},\"window_size\":4096},"
      + "{\"event_id\":5,\"data\":{\"type\":\"updated\",\"block_hash\":18446744073709551615,\"cache_level\":"
      + "{\"type\":\"event_diff\",\"new_value\":1,\"old_value\":0},\"priority\":{\"type\":\"event_diff\","
      + "\"new_value\":35,\"old_value\":35}}}"
      + "]";

  @Test
  void shouldDecodeTheReferenceExamples() throws DecodeException {
    TrtllmEventCodec.Decoded d = TrtllmEventCodec.decodeArray(REFERENCE);
    assertThat(d.errors()).isEmpty();
    assertThat(d.events()).containsExactly(
        new TrtllmEvent.Created(0, 4096, null, new long[] {101256, 0}),
        new TrtllmEvent.Stored(1, 4096, 0, null, List.of(new TrtllmEvent.StoredBlock(1311768467463790320L,
            new int[] {9707}, 0, 35, new long[] {0xffL}))),
        new TrtllmEvent.Removed(2, 4096, null, new long[] {1311768467463790320L}),
        new TrtllmEvent.Updated(5, null, null, -1L));
  }

  @Test
  void shouldAcceptHashesAbove2pow63AndHexStringsAndFieldsInAnyOrder() throws DecodeException {
    String json = "[{\"data\":{\"blocks\":[{\"tokens\":[1,2,3],\"block_hash\":\"0xFEDCBA9876543210aa\"},"
        + "{\"block_hash\":18446744073709551614,\"tokens\":[{\"token_id\":4}]}],"
        + "\"parent_hash\":9223372036854775808,\"type\":\"stored\"},\"event_id\":9}]";
    TrtllmEventCodec.Decoded d = TrtllmEventCodec.decodeArray(json);
    assertThat(d.errors()).isEmpty();
    TrtllmEvent.Stored s = (TrtllmEvent.Stored) d.events().get(0);
    assertThat(s.parentHash()).isEqualTo(u("9223372036854775808"));
    assertThat(s.blocks()).containsExactly(
        new TrtllmEvent.StoredBlock(0xFEDCBA9876543210L, new int[] {1, 2, 3}),
        new TrtllmEvent.StoredBlock(u("18446744073709551614"), new int[] {4}));
  }

  @Test
  void shouldKeepPartialLastBlockAsIs() throws DecodeException {
    TrtllmEvent.Stored s = new TrtllmEvent.Stored(3, null, null, 42L, List.of(
        new TrtllmEvent.StoredBlock(1, new int[] {1, 2, 3, 4}), new TrtllmEvent.StoredBlock(2, new int[] {5})));
    assertThat(TrtllmEventCodec.decodeArray(TrtllmEventCodec.encodeArray(List.of(s))).events()).containsExactly(s);
  }

  @Test
  void shouldRoundTripEveryType() throws DecodeException {
    List<TrtllmEvent> events = List.of(
        new TrtllmEvent.Created(0, 4096, 1, new long[] {16384, 0}),
        new TrtllmEvent.Stored(1, 4096, 1, null, List.of(new TrtllmEvent.StoredBlock(u("18446744073709551615"),
            new int[] {0, 151643, 7}, 0, 35, new long[] {u("12345678901234567890")}))),
        new TrtllmEvent.Stored(2, null, null, u("18446744073709551615"), List.of()),
        new TrtllmEvent.Removed(3, null, null, new long[] {1, -1L, Long.MIN_VALUE}),
        new TrtllmEvent.Updated(4, 4096, null, 77));
    TrtllmEventCodec.Decoded d = TrtllmEventCodec.decodeArray(TrtllmEventCodec.encodeArray(events));
    assertThat(d.errors()).isEmpty();
    assertThat(d.events()).isEqualTo(events);
  }

  @Test
  void shouldEncodeGoldenJson() {
    String json = TrtllmEventCodec.encodeArray(List.of(new TrtllmEvent.Removed(2, 4096, null,
        new long[] {u("18446744073709551615")})));
    assertThat(json).isEqualTo("[{\"event_id\":2,\"data\":{\"type\":\"removed\",\"block_hashes\":"
        + "[18446744073709551615]},\"window_size\":4096}]");
  }

  /**
   * Every event type in the reference layout (trtllm-and-reference-router.md §2, same field order), a stored event
   * with a partial last block (1 token of B) and a u64 above 2^63; updated carries only its block hash.
   */
  static final String GOLDEN_EVERY_TYPE = "["
      + "{\"event_id\":0,\"data\":{\"type\":\"created\",\"num_blocks_per_cache_level\":[101256,0]},"
      + "\"window_size\":4096},"
      + "{\"event_id\":1,\"data\":{\"type\":\"stored\",\"parent_hash\":null,\"blocks\":["
      + "{\"type\":\"stored_block\",\"block_hash\":1311768467463790320,\"tokens\":["
      + "{\"type\":\"unique_token\",\"token_id\":9707,\"token_extra_id\":0},"
      + "{\"type\":\"unique_token\",\"token_id\":11,\"token_extra_id\":0}],\"cache_level\":0,\"priority\":35,"
      + "\"mm_keys\":[{\"type\":\"mm_key\",\"hash\":\"00000000000000ff\",\"start_offset\":0}]},"
      + "{\"type\":\"stored_block\",\"block_hash\":18446744073709551615,\"tokens\":["
      + "{\"type\":\"unique_token\",\"token_id\":151643,\"token_extra_id\":0}],\"cache_level\":0,"
      + "\"priority\":35}]},\"window_size\":4096,\"attention_dp_rank\":0},"
      + "{\"event_id\":2,\"data\":{\"type\":\"removed\",\"block_hashes\":[1311768467463790320]},"
      + "\"window_size\":4096},"
      + "{\"event_id\":5,\"data\":{\"type\":\"updated\",\"block_hash\":18446744073709551615}}"
      + "]";

  private static final List<TrtllmEvent> GOLDEN_EVENTS = List.of(
      new TrtllmEvent.Created(0, 4096, null, new long[] {101256, 0}),
      new TrtllmEvent.Stored(1, 4096, 0, null, List.of(
          new TrtllmEvent.StoredBlock(1311768467463790320L, new int[] {9707, 11}, 0, 35, new long[] {0xffL}),
          new TrtllmEvent.StoredBlock(u("18446744073709551615"), new int[] {151643}, 0, 35, new long[0]))),
      new TrtllmEvent.Removed(2, 4096, null, new long[] {1311768467463790320L}),
      new TrtllmEvent.Updated(5, null, null, u("18446744073709551615")));

  @Test
  void shouldEncodeEveryTypeToGoldenJson() {
    assertThat(TrtllmEventCodec.encodeArray(GOLDEN_EVENTS)).isEqualTo(GOLDEN_EVERY_TYPE);
  }

  @Test
  void shouldWriteTheGoldenJsonAsUtf8WithinItsSizeEstimate() throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    TrtllmEventCodec.writeArray(GOLDEN_EVENTS, out);
    assertThat(out.toByteArray()).isEqualTo(GOLDEN_EVERY_TYPE.getBytes(StandardCharsets.UTF_8));
    assertThat(TrtllmEventCodec.estimatedSize(GOLDEN_EVENTS)).isBetween(out.size(), 2 * out.size());
  }

  @Test
  void shouldDecodeUtf8BytesLikeTheString() throws DecodeException {
    for (String json : List.of(GOLDEN_EVERY_TYPE, REFERENCE)) {
      TrtllmEventCodec.Decoded d = TrtllmEventCodec.decodeArray(json.getBytes(StandardCharsets.UTF_8));
      assertThat(d.errors()).isEmpty();
      assertThat(d.events()).isEqualTo(TrtllmEventCodec.decodeArray(json).events()).isNotEmpty();
    }
    assertThatThrownBy(() -> TrtllmEventCodec.decodeArray("{}".getBytes(StandardCharsets.UTF_8)))
        .isInstanceOf(DecodeException.class);
    assertThatThrownBy(() -> TrtllmEventCodec.decodeArray(new ByteArrayInputStream(new byte[] {'{', '}'})))
        .isInstanceOf(DecodeException.class);
    assertThatThrownBy(() -> TrtllmEventCodec.decodeArray(new byte[] {(byte) 0xff, (byte) 0xfe}))
        .isInstanceOf(DecodeException.class);
  }

  @Test
  void shouldDecodeAStreamLikeTheStringAndTellAFailedReadFromBadJson() throws Exception {
    byte[] golden = GOLDEN_EVERY_TYPE.getBytes(StandardCharsets.UTF_8);
    TrtllmEventCodec.Decoded d = TrtllmEventCodec.decodeArray(new ByteArrayInputStream(golden));
    assertThat(d.errors()).isEmpty();
    assertThat(d.events()).isEqualTo(GOLDEN_EVENTS);

    String bad = "[{\"event_id\":0,\"data\":{\"type\":\"removed\",\"block_hashes\":[1]}},{\"event_id\":1,";
    d = TrtllmEventCodec.decodeArray(new ByteArrayInputStream(bad.getBytes(StandardCharsets.UTF_8)));
    assertThat(d.events()).hasSize(1);
    assertThat(d.errors()).hasSize(1);

    InputStream cut = CutStream.halfOf(golden);
    assertThatThrownBy(() -> TrtllmEventCodec.decodeArray(cut)).isInstanceOf(IOException.class)
        .hasMessage(CutStream.RESET);
  }

  @Test
  void shouldDecodeGoldenJsonOfEveryTypeWithPartialLastBlock() throws DecodeException {
    TrtllmEventCodec.Decoded d = TrtllmEventCodec.decodeArray(GOLDEN_EVERY_TYPE);
    assertThat(d.errors()).isEmpty();
    assertThat(d.events()).isEqualTo(GOLDEN_EVENTS);
    TrtllmEvent.Stored stored = (TrtllmEvent.Stored) d.events().get(1);
    assertThat(stored.blocks().get(1).tokenIds()).as("partial last block kept as sent").hasSize(1);
  }

  @Test
  void shouldReportEachBadElementAndKeepTheGoodOnes() throws DecodeException {
    String json = "[{\"event_id\":0,\"data\":{\"type\":\"removed\",\"block_hashes\":[1]}},"
        + "{\"event_id\":1,\"data\":{\"type\":\"teleported\",\"x\":[1,{\"y\":2}]}},"
        + "{\"event_id\":2,\"data\":{\"type\":\"removed\",\"block_hashes\":[\"zz\", [1]]}},"
        + "{\"event_id\":3,\"data\":{\"type\":\"removed\",\"block_hashes\":[18446744073709551616]}},"
        + "42, [1, [2]], \"s\","
        + "{\"event_id\":4,\"data\":{\"type\":\"removed\",\"block_hashes\":[2]}}]";
    TrtllmEventCodec.Decoded d = TrtllmEventCodec.decodeArray(json);
    assertThat(d.events()).containsExactly(new TrtllmEvent.Removed(0, null, null, new long[] {1}),
        new TrtllmEvent.Removed(4, null, null, new long[] {2}));
    assertThat(d.errors()).hasSize(6);
    assertThat(d.errors().get(0)).contains("element 1").contains("unknown type teleported");
    assertThat(d.errors().get(1)).contains("element 2").contains("not a hex string");
    assertThat(d.errors().get(2)).contains("out of u64 range");
  }

  @Test
  void shouldKeepEventsBeforeASyntaxError() throws DecodeException {
    TrtllmEventCodec.Decoded d = TrtllmEventCodec.decodeArray(
        "[{\"event_id\":0,\"data\":{\"type\":\"removed\",\"block_hashes\":[1]}}, {\"event_id\":1,\"da");
    assertThat(d.events()).hasSize(1);
    assertThat(d.errors()).singleElement().asString().contains("element 1");
  }

  @Test
  void shouldThrowOnlyWhenTopLevelIsNotAnArray() {
    assertThatThrownBy(() -> TrtllmEventCodec.decodeArray("{\"event_id\":0}"))
        .isInstanceOf(DecodeException.class).hasMessageContaining("not a JSON array");
    assertThatThrownBy(() -> TrtllmEventCodec.decodeArray("nope")).isInstanceOf(DecodeException.class);
    assertThatThrownBy(() -> TrtllmEventCodec.decodeArray("")).isInstanceOf(DecodeException.class);
  }
}

package io.kvroute.common.codec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.kvroute.common.codec.RecoveryJson.EventsPage;
import io.kvroute.common.codec.RecoveryJson.SeqBatch;
import io.kvroute.common.codec.RecoveryJson.Snapshot;
import io.kvroute.common.event.KvEvent;
import io.kvroute.common.event.KvEventBatch;
import java.util.List;
import org.junit.jupiter.api.Test;

class RecoveryJsonTest {

  private static final long BIG = Long.parseUnsignedLong("18446744073709551615");

  @Test
  void shouldRoundTripEventsPageWithUnsignedHashes() throws Exception {
    KvEventBatch b0 = new KvEventBatch(1732400000.125, List.of(
        KvEvent.Stored.root(new long[] {BIG, 5}, new long[] {-2L, 7}),
        KvEvent.Stored.under(BIG, new long[] {9}, new long[] {10})), 0);
    KvEventBatch b1 = new KvEventBatch(1.5,
        List.of(new KvEvent.Removed(new long[] {BIG, 1}), KvEvent.Cleared.INSTANCE), 2);
    EventsPage page = new EventsPage("worker-\"0\"", 8, List.of(new SeqBatch(7, b0), new SeqBatch(8, b1)));

    String json = RecoveryJson.encodeEvents(page);
    assertThat(json).contains("\"18446744073709551615\"").contains("\"last_seq\":8");
    EventsPage back = RecoveryJson.decodeEvents(json);

    assertThat(back).isEqualTo(page);
  }

  @Test
  void shouldRoundTripSnapshotGroupedByRank() throws Exception {
    KvEventBatch r0 = new KvEventBatch(0.0, List.of(KvEvent.Stored.root(new long[] {1, 2}, new long[] {3, 4}),
        KvEvent.Stored.under(2, new long[] {BIG}, new long[] {6})), 0);
    KvEventBatch r1 = new KvEventBatch(0.0, List.of(KvEvent.Stored.root(new long[] {11}, new long[] {12})), 1);
    Snapshot snap = new Snapshot("worker-1", 41, 32, List.of(r0, r1));

    Snapshot back = RecoveryJson.decodeSnapshot(RecoveryJson.encodeSnapshot(snap));

    assertThat(back).isEqualTo(snap);
    assertThat(back.blockCount()).isEqualTo(4);
  }

  @Test
  void shouldAcceptNumericHashesSignedOrUnsigned() throws Exception {
    String json = "{\"worker_id\":\"w\",\"last_seq\":0,\"batches\":[{\"seq\":0,\"ts\":1.0,\"dp_rank\":0,\"events\":["
        + "{\"type\":\"stored\",\"parent_hash\":null,\"blocks\":[[18446744073709551615,-1],[5,{\"x\":1}]]}]}]}";
    assertThatThrownBy(() -> RecoveryJson.decodeEvents(json)).isInstanceOf(DecodeException.class);

    String ok = json.replace("{\"x\":1}", "6");
    KvEvent.Stored s = (KvEvent.Stored) RecoveryJson.decodeEvents(ok).batches().get(0).batch().events().get(0);
    assertThat(s.blockHashes()).containsExactly(-1L, 5L);
    assertThat(s.tokensHashes()).containsExactly(-1L, 6L);
  }

  @Test
  void shouldRejectMalformedInputWithDecodeException() {
    for (String bad : List.of("", "[]", "{", "{\"worker_id\":1}",
        "{\"worker_id\":\"w\",\"last_seq\":0,\"batches\":[1]}",
        "{\"worker_id\":\"w\",\"last_seq\":0,\"batches\":[{\"seq\":0,\"events\":[{\"type\":\"nope\"}]}]}",
        "{\"worker_id\":\"w\",\"last_seq\":0,\"batches\":[{\"seq\":0,\"events\":[{\"type\":\"removed\","
            + "\"block_hashes\":[\"18446744073709551616\"]}]}]}",
        "{\"worker_id\":\"w\",\"last_seq\":0,\"batches\":[{\"seq\":0,\"events\":[{\"type\":\"removed\","
            + "\"block_hashes\":[1.5]}]}]}")) {
      assertThatThrownBy(() -> RecoveryJson.decodeEvents(bad)).as(bad).isInstanceOf(DecodeException.class);
    }
    assertThatThrownBy(() -> RecoveryJson.decodeSnapshot(
        "{\"worker_id\":\"w\",\"seq\":0,\"block_size\":32,\"events\":[{\"type\":\"cleared\"}]}"))
        .isInstanceOf(DecodeException.class);
  }
}

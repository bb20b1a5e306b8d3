package io.kvroute.common.codec;

import static io.kvroute.common.codec.Hex.u;
import static org.assertj.core.api.Assertions.assertThat;

import io.kvroute.common.event.KvEvent;
import io.kvroute.common.event.KvEventBatch;
import io.kvroute.common.hash.BlockHasher;
import java.io.IOException;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.msgpack.core.MessageBufferPacker;
import org.msgpack.core.MessagePack;

class KvPayloadDecoderTest {

  private final KvPayloadDecoder decoder = new KvPayloadDecoder(4);

  private static byte[] vllm(VllmEvent... events) {
    return VllmBatchCodec.encodePositional(new VllmBatch(1.0, List.of(events), 2));
  }

  private static VllmEvent.BlockStored stored(long[] hashes, Long parent, int[] tokens, int blockSize, String lora,
      String medium, String salt) {
    return new VllmEvent.BlockStored(hashes, parent, tokens, blockSize, lora, medium, salt);
  }

  @Test
  void shouldPassAgentBatchesThrough() {
    KvEventBatch batch = new KvEventBatch(3.5, List.of(KvEvent.Stored.under(-1L, new long[] {1, 2}, new long[] {3, 4}),
        new KvEvent.Removed(new long[] {1}), KvEvent.Cleared.INSTANCE), 5);
    KvPayloadDecoder.Result r = decoder.decode(AgentBatchCodec.encode(batch));
    assertThat(r.isOk()).isTrue();
    assertThat(r.batch()).isEqualTo(batch);
    assertThat(r.droppedEvents()).isEmpty();
  }

  @Test
  void shouldComputeTokensHashesOfVllmEventsWithTheDesignGoldenVectors() {
    KvPayloadDecoder.Result r = decoder.decode(vllm(
        stored(new long[] {100}, null, new int[] {0, 1, 2, 3}, 4, null, null, null),
        stored(new long[] {101}, 100L, new int[] {0, 1, 2, 3}, 4, "adapter-a", "GPU", null),
        stored(new long[] {102}, 100L, new int[] {0, 1, 2, 3}, 4, null, null, "tenant-a")));
    assertThat(r.isOk()).isTrue();
    assertThat(r.batch().dpRank()).isEqualTo(2);
    assertThat(r.batch().events()).containsExactly(
        KvEvent.Stored.root(new long[] {100}, new long[] {u("9143094415614847814")}),
        KvEvent.Stored.under(100, new long[] {101}, new long[] {u("6665157333201000639")}),
        KvEvent.Stored.under(100, new long[] {102}, new long[] {u("17009624042690211646")}));
  }

  @Test
  void shouldHashEveryBlockOfALongEventLikeTheGateway() {
    int[] tokens = new int[4 * 50 + 3];
    for (int i = 0; i < tokens.length; i++) {
      tokens[i] = i * 7919;
    }
    long[] hashes = new long[50];
    for (int i = 0; i < hashes.length; i++) {
      hashes[i] = 1000 + i;
    }
    KvPayloadDecoder.Result r = decoder.decode(VllmBatchCodec.encode(
        new VllmBatch(0, List.of(stored(hashes, null, tokens, 4, null, null, null)), null)));
    KvEvent.Stored s = (KvEvent.Stored) r.batch().events().get(0);
    assertThat(s.tokensHashes()).containsExactly(BlockHasher.create(4).localHashes(tokens));
    assertThat(r.batch().dpRank()).isZero();
  }

  @Test
  void shouldHashEagleBlocksOverBlockSizePlusOneTokens() {
    VllmEvent.BlockStored eagle = new VllmEvent.BlockStored(new long[] {1, 2}, null,
        new int[] {0, 1, 2, 3, 4, 5, 6, 7, 8}, 4, null, null, null, true);
    KvEvent.Stored s = (KvEvent.Stored) decoder.decode(vllm(eagle)).batch().events().get(0);
    BlockHasher h = BlockHasher.create(4);
    assertThat(s.tokensHashes())
        .containsExactly(h.blockHash(eagle.tokenIds(), 0, 5), h.blockHash(eagle.tokenIds(), 4, 5));
  }

  @Test
  void shouldDropWithReasonsAndKeepTheRest() {
    KvPayloadDecoder.Result r = decoder.decode(vllm(
        stored(new long[] {1}, null, new int[] {0, 1}, 2, null, null, null),
        stored(new long[] {2}, null, new int[] {0, 1, 2, 3}, 4, null, "CPU_TIER1", null),
        new VllmEvent.BlockRemoved(new long[] {3}, "DISK"),
        stored(new long[] {4, 5}, 5L, new int[] {0, 1, 2, 3, 4, 5, 6, 7}, 4, null, null, null),
        stored(new long[] {6, 6}, null, new int[] {0, 1, 2, 3, 4, 5, 6, 7}, 4, null, null, null),
        stored(new long[] {7, 8}, null, new int[] {0, 1, 2, 3, 4, 5}, 4, null, null, null),
        stored(new long[] {9}, null, new int[] {0, 1}, 4, null, null, null),
        new VllmEvent.BlockRemoved(new long[] {10}, "gpu"),
        new VllmEvent.AllBlocksCleared()));
    assertThat(r.isOk()).isTrue();
    assertThat(r.droppedEvents()).extracting(KvPayloadDecoder.DroppedEvent::reason).containsExactly(
        KvPayloadDecoder.BLOCK_SIZE_MISMATCH, KvPayloadDecoder.NON_DEVICE_MEDIUM, KvPayloadDecoder.NON_DEVICE_MEDIUM,
        KvPayloadDecoder.SELF_REFERENCE, KvPayloadDecoder.SELF_REFERENCE, KvPayloadDecoder.SHORT_TOKEN_IDS,
        KvPayloadDecoder.SHORT_TOKEN_IDS);
    assertThat(r.droppedEvents().get(0).detail()).contains("Block size must be 4, event has 2");
    assertThat(r.batch().events()).containsExactly(
        KvEvent.Stored.root(new long[] {7}, new long[] {u("9143094415614847814")}),
        new KvEvent.Removed(new long[] {10}), KvEvent.Cleared.INSTANCE);
  }

  @Test
  void shouldSkipOneMalformedOrUnknownEventAndKeepTheOthers() throws IOException {
    MessageBufferPacker p = MessagePack.newDefaultBufferPacker();
    p.packArrayHeader(3).packDouble(0).packArrayHeader(6);
    p.packMapHeader(1).packString("type").packString("removed");                       // missing block_hashes
    p.packArrayHeader(2).packString("Teleported").packInt(1);                          // unknown positional type
    p.packMapHeader(2).packString("type").packString("Exploded").packString("x").packInt(1); // unknown map type
    p.packArrayHeader(2).packString("BlockRemoved").packArrayHeader(1).packString("x"); // hash is a string
    p.packArrayHeader(1).packString("Ignored");
    p.packMapHeader(2).packString("block_hashes").packArrayHeader(1).packInt(9)
        .packString("type").packString("removed");
    p.packInt(1);
    KvPayloadDecoder.Result r = decoder.decode(p.toByteArray());
    assertThat(r.isOk()).isTrue();
    assertThat(r.batch().events()).containsExactly(new KvEvent.Removed(new long[] {9}));
    assertThat(r.droppedEvents()).extracting(KvPayloadDecoder.DroppedEvent::reason).containsExactly(
        KvPayloadDecoder.MALFORMED, KvPayloadDecoder.UNKNOWN_EVENT_TYPE, KvPayloadDecoder.UNKNOWN_EVENT_TYPE,
        KvPayloadDecoder.MALFORMED);
    assertThat(r.droppedEvents().get(0).detail()).contains("event 0").contains("missing block_hashes");
  }

  @Test
  void shouldDropBrokenBatchesWhole() {
    assertThat(decoder.decode(Hex.bytes("93 cb 00 00")).reason()).isEqualTo(KvPayloadDecoder.MALFORMED);
    assertThat(decoder.decode(Hex.bytes("92 00 dd 7f ff ff ff")).detail()).contains("claims 2147483647");
    assertThat(decoder.decode(Hex.bytes("92 00 91 94 a3 616263")).isOk()).isFalse();
    assertThat(decoder.decode(new byte[0]).isOk()).isFalse();
    assertThat(decoder.decode(null).isOk()).isFalse();
    KvPayloadDecoder.Result ok = decoder.decode(Hex.bytes(AgentBatchCodecTest.ONE_STORED));
    assertThat(ok.isOk()).isTrue();
  }
}

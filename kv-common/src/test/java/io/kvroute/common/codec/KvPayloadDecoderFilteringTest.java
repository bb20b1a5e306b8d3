package io.kvroute.common.codec;

import static io.kvroute.common.codec.Hex.u;
import static org.assertj.core.api.Assertions.assertThat;

import io.kvroute.common.event.KvEvent;
import io.kvroute.common.hash.BlockHasher;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.msgpack.core.MessageBufferPacker;
import org.msgpack.core.MessagePack;

/** vLLM event filtering of reference notes §2.3-2.4: locality, hybrid groups, namespace inheritance, multimodal. */
class KvPayloadDecoderFilteringTest {

  private static final int[] T4 = {0, 1, 2, 3};
  private static final long BASE_0123 = u("9143094415614847814");
  private static final long TENANT_A_0123 = u("17009624042690211646");

  private static VllmEvent.BlockStored stored(long hash, Long parent, String salt, VllmEvent.Spec spec) {
    return new VllmEvent.BlockStored(new long[] {hash}, parent, T4, 4, null, null, salt, false, null, spec);
  }

  private static VllmEvent.Spec group(Integer group, String kind, Integer window) {
    return new VllmEvent.Spec(group, kind, window, null);
  }

  private static VllmEvent.Spec locality(String locality) {
    return new VllmEvent.Spec(null, null, null, locality);
  }

  private static KvPayloadDecoder.Result decode(KvPayloadDecoder d, Integer dpRank, boolean positional,
      VllmEvent... events) {
    VllmBatch batch = new VllmBatch(1.0, List.of(events), dpRank);
    return d.decode(positional ? VllmBatchCodec.encodePositional(batch) : VllmBatchCodec.encode(batch));
  }

  private static List<String> reasons(KvPayloadDecoder.Result r) {
    return r.droppedEvents().stream().map(KvPayloadDecoder.DroppedEvent::reason).toList();
  }

  private static List<Long> storedHashes(KvPayloadDecoder.Result r) {
    return r.batch().events().stream().filter(e -> e instanceof KvEvent.Stored)
        .map(e -> ((KvEvent.Stored) e).blockHashes()[0]).toList();
  }

  @Test
  void shouldDropRemoteAndUnknownLocalityInBothForms() {
    for (boolean positional : new boolean[] {false, true}) {
      KvPayloadDecoder d = new KvPayloadDecoder(4);
      KvPayloadDecoder.Result r = decode(d, 0, positional,
          stored(1, null, null, locality("LOCAL")),
          stored(2, null, null, locality("REMOTE")),
          stored(3, null, null, locality("somewhere")),
          new VllmEvent.BlockRemoved(new long[] {1}, null, locality("REMOTE")),
          new VllmEvent.BlockRemoved(new long[] {1}, null, locality("LOCAL")));
      assertThat(reasons(r)).containsExactly(KvPayloadDecoder.REMOTE_LOCALITY, KvPayloadDecoder.UNKNOWN_LOCALITY,
          KvPayloadDecoder.REMOTE_LOCALITY);
      assertThat(r.batch().events()).containsExactly(KvEvent.Stored.root(new long[] {1}, new long[] {BASE_0123}),
          new KvEvent.Removed(new long[] {1}));
    }
  }

  @Test
  void shouldLearnHybridGroupsPerDpRankAndKeepOnlyMainAttention() {
    KvPayloadDecoder d = new KvPayloadDecoder(4);
    KvPayloadDecoder.Result r = decode(d, 0, true,
        stored(10, null, null, group(0, "full_attention", null)),
        stored(11, null, null, group(1, "sliding_window", 128)),
        stored(12, null, null, group(0, null, null)),
        stored(13, null, null, group(1, null, null)),
        stored(14, null, null, group(2, null, null)),
        stored(15, null, null, group(3, "mamba", null)),
        new VllmEvent.BlockRemoved(new long[] {11}, null, group(1, null, null)),
        new VllmEvent.BlockRemoved(new long[] {10}, null, group(0, null, null)));
    assertThat(reasons(r)).containsExactly(KvPayloadDecoder.NOT_MAIN_ATTENTION, KvPayloadDecoder.NOT_MAIN_ATTENTION,
        KvPayloadDecoder.UNLEARNED_GROUP, KvPayloadDecoder.NOT_MAIN_ATTENTION, KvPayloadDecoder.NOT_MAIN_ATTENTION);
    assertThat(storedHashes(r)).containsExactly(10L, 12L);
    assertThat(r.batch().events().get(2)).isEqualTo(new KvEvent.Removed(new long[] {10}));
    assertThat(d.learnedGroup(0, 1)).isEqualTo(new KvPayloadDecoder.LearnedGroup("sliding_window", 128, false));
    assertThat(d.learnedGroup(0, 0).main()).isTrue();

    // What dp rank 0 learned says nothing about dp rank 1: its group 1 is unlearned, its group 0 passes unlearned.
    KvPayloadDecoder.Result other = decode(d, 1, false,
        stored(20, null, null, group(1, null, null)),
        stored(21, null, null, group(0, null, null)),
        stored(22, null, null, group(1, "FULL_ATTENTION", null)),
        stored(23, null, null, group(1, null, null)));
    assertThat(reasons(other)).containsExactly(KvPayloadDecoder.UNLEARNED_GROUP);
    assertThat(storedHashes(other)).containsExactly(21L, 22L, 23L);
  }

  @Test
  void shouldInheritTheNamespaceOfAKnownParentAndDropAmbiguousOnes() {
    KvPayloadDecoder d = new KvPayloadDecoder(4);
    KvPayloadDecoder.Result r = decode(d, 0, true,
        stored(1, null, "tenant-a", null),
        stored(2, 1L, null, null),
        stored(3, 2L, null, null),
        stored(4, 99L, null, null),
        stored(5, null, "tenant-a", null),
        stored(5, null, "tenant-b", null),
        stored(6, 5L, null, null),
        stored(7, 5L, "tenant-b", null));
    assertThat(reasons(r)).containsExactly(KvPayloadDecoder.AMBIGUOUS_NAMESPACE);
    assertThat(r.batch().events()).containsExactly(
        KvEvent.Stored.root(new long[] {1}, new long[] {TENANT_A_0123}),
        KvEvent.Stored.under(1, new long[] {2}, new long[] {TENANT_A_0123}),
        KvEvent.Stored.under(2, new long[] {3}, new long[] {TENANT_A_0123}),
        KvEvent.Stored.under(99, new long[] {4}, new long[] {BASE_0123}),
        KvEvent.Stored.root(new long[] {5}, new long[] {TENANT_A_0123}),
        KvEvent.Stored.root(new long[] {5}, new long[] {BlockHasher.create(4, null, "tenant-b").blockHash(T4, 0, 4)}),
        KvEvent.Stored.under(5, new long[] {7}, new long[] {BlockHasher.create(4, null, "tenant-b")
            .blockHash(T4, 0, 4)}));

    // A removed parent is forgotten; AllBlocksCleared forgets everything.
    KvPayloadDecoder.Result after = decode(d, 0, false,
        new VllmEvent.BlockRemoved(new long[] {1}, null),
        stored(8, 1L, null, null),
        stored(9, 2L, null, null),
        new VllmEvent.AllBlocksCleared(),
        stored(10, 3L, null, null));
    assertThat(after.batch().events()).containsExactly(new KvEvent.Removed(new long[] {1}),
        KvEvent.Stored.under(1, new long[] {8}, new long[] {BASE_0123}),
        KvEvent.Stored.under(2, new long[] {9}, new long[] {TENANT_A_0123}),
        KvEvent.Cleared.INSTANCE,
        KvEvent.Stored.under(3, new long[] {10}, new long[] {BASE_0123}));
    assertThat(d.namespacedHashes()).isZero();
  }

  @Test
  void shouldBoundTheNamespaceMemory() {
    KvPayloadDecoder d = new KvPayloadDecoder(1);
    int n = KvPayloadDecoder.MAX_NAMESPACE_HASHES + 100;
    long[] hashes = new long[n];
    int[] tokens = new int[n];
    for (int i = 0; i < n; i++) {
      hashes[i] = 1_000_000L + i;
      tokens[i] = i;
    }
    KvPayloadDecoder.Result r = d.decode(VllmBatchCodec.encode(new VllmBatch(0, List.of(
        new VllmEvent.BlockStored(hashes, null, tokens, 1, null, null, "tenant-a")), 0)));
    assertThat(r.batch().events()).hasSize(1);
    assertThat(d.namespacedHashes()).isEqualTo(KvPayloadDecoder.MAX_NAMESPACE_HASHES);
    // The newest hashes are the ones kept: a child of the last block still inherits.
    KvPayloadDecoder.Result child = d.decode(VllmBatchCodec.encode(new VllmBatch(0, List.of(
        new VllmEvent.BlockStored(new long[] {5}, hashes[n - 1], new int[] {7}, 1, null, null, null)), 0)));
    assertThat(((KvEvent.Stored) child.batch().events().get(0)).tokensHashes())
        .containsExactly(BlockHasher.create(1, null, "tenant-a").blockHash(new int[] {7}, 0, 1));
  }

  @Test
  void shouldHashMultimodalExtraKeysWithTheDesignGoldenVector() throws IOException {
    String hex42 = "000000000000002a" + "f".repeat(48);
    KvPayloadDecoder d = new KvPayloadDecoder(2);
    MessageBufferPacker p = MessagePack.newDefaultBufferPacker();
    p.packArrayHeader(3).packDouble(0).packArrayHeader(4);
    // Positional: bare 64-hex string in block 0, nothing in block 1.
    p.packArrayHeader(9).packString("BlockStored").packArrayHeader(2).packInt(1).packInt(2).packNil()
        .packArrayHeader(4).packInt(0).packInt(1).packInt(2).packInt(3).packInt(2).packNil().packNil().packNil()
        .packArrayHeader(2).packArrayHeader(1).packString(hex42).packNil();
    // Map form: (identifier, offset) tuple with a 64-hex identifier, plus bytes/number/bool/other string ignored.
    p.packMapHeader(5).packString("type").packString("BlockStored")
        .packString("block_hashes").packArrayHeader(1).packInt(3)
        .packString("token_ids").packArrayHeader(2).packInt(0).packInt(1)
        .packString("block_size").packInt(2)
        .packString("extra_keys").packArrayHeader(1).packArrayHeader(5)
        .packArrayHeader(2).packString(hex42).packInt(0)
        .packBinaryHeader(1).addPayload(new byte[] {1}).packInt(7).packBoolean(true).packString("not-hex");
    // LoRA name among the extra keys is skipped; a non-hex identifier is XXH3(seed 0) hashed.
    p.packArrayHeader(9).packString("BlockStored").packArrayHeader(1).packInt(4).packNil()
        .packArrayHeader(2).packInt(0).packInt(1).packInt(2).packNil().packNil().packString("lora-x")
        .packArrayHeader(1).packArrayHeader(2).packString("lora-x").packArrayHeader(2).packString("img-1").packInt(3);
    // dynamo-cache-salt in the first block is the namespace, and is not a multimodal hash.
    p.packArrayHeader(9).packString("BlockStored").packArrayHeader(1).packInt(5).packNil()
        .packArrayHeader(2).packInt(0).packInt(1).packInt(2).packNil().packNil().packNil()
        .packArrayHeader(1).packArrayHeader(1).packString("dynamo-cache-salt:tenant-a");
    p.packInt(0);
    KvPayloadDecoder.Result r = d.decode(p.toByteArray());
    assertThat(r.droppedEvents()).isEmpty();
    List<KvEvent> events = r.batch().events();
    assertThat(((KvEvent.Stored) events.get(0)).tokensHashes())
        .containsExactly(u("6100948656312251355"), u("10731123482949079648"));
    assertThat(((KvEvent.Stored) events.get(1)).tokensHashes()).containsExactly(u("6100948656312251355"));
    long img = io.kvroute.common.hash.BlockHasher.hashBytes("img-1".getBytes(StandardCharsets.UTF_8), 0L);
    assertThat(VllmBatchCodec.hashMmIdentifier("img-1")).isEqualTo(img);
    assertThat(VllmBatchCodec.hashMmIdentifier(hex42)).isEqualTo(42L);
    assertThat(((KvEvent.Stored) events.get(2)).tokensHashes())
        .containsExactly(BlockHasher.create(2, "lora-x", null).blockHash(new int[] {0, 1}, 0, 2, new long[] {img}));
    assertThat(((KvEvent.Stored) events.get(3)).tokensHashes())
        .containsExactly(BlockHasher.create(2, null, "tenant-a").blockHash(new int[] {0, 1}, 0, 2));
  }

  @Test
  void shouldRoundTripSpecAndMultimodalHashesInBothForms() throws DecodeException {
    VllmBatch batch = new VllmBatch(2.0, List.of(
        new VllmEvent.BlockStored(new long[] {1, 2}, 9L, new int[] {1, 2, 3, 4}, 2, "l", null, null, false,
            new long[][] {{42L, -1L}, null}, new VllmEvent.Spec(1, "sliding_window", 64, "LOCAL")),
        new VllmEvent.BlockRemoved(new long[] {1}, "GPU", new VllmEvent.Spec(1, null, null, "REMOTE"))), 3);
    assertThat(VllmBatchCodec.decode(VllmBatchCodec.encode(batch))).isEqualTo(batch);
    assertThat(VllmBatchCodec.decode(VllmBatchCodec.encodePositional(batch))).isEqualTo(batch);
  }
}

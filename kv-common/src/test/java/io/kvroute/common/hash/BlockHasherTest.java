package io.kvroute.common.hash;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class BlockHasherTest {

  private static long u(String unsigned) {
    return Long.parseUnsignedLong(unsigned);
  }

  @Test
  void shouldMatchXxh3GoldenVector() {
    assertThat(BlockHasher.hashBytes("test data".getBytes(StandardCharsets.UTF_8), 1337))
        .isEqualTo(u("13226331709069118873"));
  }

  @Test
  void shouldHashOneBlock() {
    assertThat(BlockHasher.create(4).localHashes(new int[] {0, 1, 2, 3})).containsExactly(u("9143094415614847814"));
  }

  @Test
  void shouldHashTwoBlocksAndChainSequenceHashes() {
    long[] local = BlockHasher.create(4).localHashes(IntStream.range(0, 8).toArray());
    assertThat(local).containsExactly(u("9143094415614847814"), u("12124091508212882195"));
    assertThat(BlockHasher.sequenceHashes(local)).containsExactly(u("9143094415614847814"), u("9510318385840434533"));
  }

  @Test
  void shouldDropTrailingPartialBlock() {
    BlockHasher hasher = BlockHasher.create(4);
    assertThat(hasher.localHashes(IntStream.range(0, 9).toArray()))
        .containsExactly(hasher.localHashes(IntStream.range(0, 8).toArray()));
    assertThat(hasher.localHashes(new int[] {1, 2, 3})).isEmpty();
  }

  @Test
  void shouldMatchSixteenTokenBlocksVector() {
    BlockHasher hasher = BlockHasher.create(16);
    long[] local = hasher.localHashes(IntStream.rangeClosed(1, 64).toArray());
    assertThat(local).containsExactly(u("16863443419780771464"), u("2287610619914608821"),
        u("12129935312930971799"), u("5453111288643762282"));
    assertThat(BlockHasher.sequenceHashes(local)).containsExactly(u("16863443419780771464"),
        u("12466389667045779788"), u("960926348267535642"), u("4923844688253642376"));
  }

  @Test
  void shouldChainSequenceHashesOfArbitraryLocals() {
    assertThat(BlockHasher.sequenceHashes(new long[] {11, 22, 33}))
        .containsExactly(11L, u("750553365844651409"), u("3257565445809651757"));
    assertThat(BlockHasher.nextSequenceHash(11, 22)).isEqualTo(u("750553365844651409"));
  }

  @Test
  void shouldSeedWithLoraName() {
    assertThat(BlockHasher.seedFor("adapter-a", null)).isEqualTo(u("8842669519798868182"));
    assertThat(BlockHasher.create(4, "adapter-a", "").localHashes(new int[] {0, 1, 2, 3}))
        .containsExactly(u("6665157333201000639"));
  }

  @Test
  void shouldSeedWithCacheSalt() {
    assertThat(BlockHasher.seedFor(null, "tenant-a")).isEqualTo(u("1948188790972764086"));
    assertThat(BlockHasher.create(4, "", "tenant-a").localHashes(new int[] {0, 1, 2, 3}))
        .containsExactly(u("17009624042690211646"));
  }

  @Test
  void shouldTreatEmptyLoraAndSaltAsAbsent() {
    assertThat(BlockHasher.seedFor("", "")).isEqualTo(BlockHasher.BASE_SEED);
  }

  @Test
  void shouldHashMultimodalBlocks() {
    long[] hashes = BlockHasher.create(2).localHashes(new int[] {0, 1, 2, 3}, new long[][] {{42L}, null});
    assertThat(hashes).containsExactly(u("6100948656312251355"), u("10731123482949079648"));
  }

  @Test
  void shouldSortMultimodalHashesUnsigned() {
    BlockHasher hasher = BlockHasher.create(2);
    int[] tokens = {5, 6};
    long big = u("18000000000000000000");
    assertThat(hasher.blockHash(tokens, 0, 2, new long[] {big, 7L}))
        .isEqualTo(hasher.blockHash(tokens, 0, 2, new long[] {7L, big}));
  }

  @Test
  void shouldHashLongPromptsAcrossScratchChunks() {
    BlockHasher hasher = BlockHasher.create(32);
    int[] tokens = IntStream.range(0, 131_072).map(i -> i * 7919).toArray();
    long[] all = hasher.localHashes(tokens);
    assertThat(all).hasSize(4096);
    for (int b = 0; b < all.length; b += 511) {
      assertThat(all[b]).isEqualTo(hasher.blockHash(tokens, b * 32, 32));
    }
  }
}

package io.kvroute.common.hash;

import static org.assertj.core.api.Assertions.assertThat;

import com.dynatrace.hash4j.hashing.Hashing;
import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Random;
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

  /** DESIGN §2 spelled out with a ByteBuffer: bytes = tokens as u32 LE ‖ sorted (unsigned) mm hashes as u64 LE. */
  private static long referenceBlockHash(int[] tokens, long[] mmHashes, long seed) {
    long[] sorted = mmHashes.clone();
    for (int i = 0; i < sorted.length; i++) { // insertion sort, unsigned order
      for (int j = i; j > 0 && Long.compareUnsigned(sorted[j - 1], sorted[j]) > 0; j--) {
        long t = sorted[j];
        sorted[j] = sorted[j - 1];
        sorted[j - 1] = t;
      }
    }
    ByteBuffer bytes = ByteBuffer.allocate(tokens.length * 4 + sorted.length * 8).order(ByteOrder.LITTLE_ENDIAN);
    for (int t : tokens) {
      bytes.putInt(t);
    }
    for (long h : sorted) {
      bytes.putLong(h);
    }
    return Hashing.xxh3_64(seed).hashBytesToLong(bytes.array());
  }

  @Test
  void shouldMatchTheDesignByteLayoutForPlainLoraAndMultimodalBlocks() {
    Random random = new Random(7);
    for (int round = 0; round < 200; round++) {
      int blockSize = 1 + random.nextInt(64);
      int[] tokens = random.ints(blockSize, 0, 152_064).toArray();
      long[] mm = random.longs(random.nextInt(4)).toArray();
      String lora = random.nextBoolean() ? "adapter-" + round : null;
      String salt = random.nextBoolean() ? "tenant-" + round : null;
      long seed = 1337L + (lora == null ? 0 : Hashing.xxh3_64(0).hashBytesToLong(lora.getBytes(StandardCharsets.UTF_8)))
          + (salt == null ? 0 : Hashing.xxh3_64(1).hashBytesToLong(salt.getBytes(StandardCharsets.UTF_8)));
      BlockHasher hasher = BlockHasher.create(blockSize, lora, salt);
      assertThat(hasher.seed()).isEqualTo(seed);
      assertThat(hasher.blockHash(tokens, 0, blockSize, mm)).isEqualTo(referenceBlockHash(tokens, mm, seed));
      assertThat(hasher.localHashes(tokens)).containsExactly(referenceBlockHash(tokens, new long[0], seed));
    }
  }

  @Test
  void shouldHashLongPromptsIntoAReusedArrayWithoutAllocating() {
    com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
    BlockHasher hasher = BlockHasher.create(32);
    int[] tokens = new Random(3).ints(131_072, 0, 151_643).toArray();
    long[] out = new long[4096];
    long[] expected = hasher.localHashes(tokens);
    for (int warmUp = 0; warmUp < 20; warmUp++) {
      hasher.localHashes(tokens, tokens.length, out);
    }
    long before = threads.getCurrentThreadAllocatedBytes();
    int n = hasher.localHashes(tokens, tokens.length, out);
    long allocated = threads.getCurrentThreadAllocatedBytes() - before;
    assertThat(n).isEqualTo(4096);
    assertThat(out).containsExactly(expected);
    // 131,072 tokens: per-token (or per-block) allocation would be hundreds of KiB; a reused scratch buffer is 0.
    assertThat(allocated).as("bytes allocated hashing 131,072 tokens into a reused array").isLessThan(1024);
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

package io.kvroute.common.codec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import io.kvroute.common.event.KvEvent;
import io.kvroute.common.event.KvEventBatch;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Randomised robustness: every codec (agent batch, vLLM map form, vLLM positional form, the router's payload decoder,
 * the 3-frame decoder, TRT-LLM event JSON, load-metrics JSON, iteration stats JSON) gets ≥ 10,000 mutated inputs
 * (bit flips, truncation, random bytes, hostile length headers such as an array32 claiming 2^31 elements, wrong
 * types, splices; for frames: missing, extra, null and resized frames) and may only answer with a
 * {@link DecodeException} (or a clean dropped {@link KvPayloadDecoder.Result}); never an unchecked exception or an
 * error. Boundedness is checked by measuring the bytes each decode allocates: at most a constant plus a small
 * multiple of the input size, so no declared length can make a decoder allocate before it has checked the bytes
 * are there. Each run also checks that the mutations were not degenerate: some inputs must still decode, many must
 * be rejected, and hostile headers must have been inserted in a share of them.
 */
class CodecFuzzTest {

  private static final int RUNS = 10_000;
  private static final long SEED = 0x5EEDL;
  private static final com.sun.management.ThreadMXBean THREADS =
      (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();

  /** Headers that claim far more content than any input has. */
  private static final byte[][] HOSTILE = {
      Hex.bytes("dd ff ff ff ff"), Hex.bytes("dd 7f ff ff ff"), Hex.bytes("dd 80 00 00 00"), Hex.bytes("dc ff ff"),
      Hex.bytes("df 7f ff ff ff"), Hex.bytes("df ff ff ff ff"), Hex.bytes("de ff ff"), Hex.bytes("db 7f ff ff ff"),
      Hex.bytes("db ff ff ff ff"), Hex.bytes("da ff ff"), Hex.bytes("c6 7f ff ff ff"), Hex.bytes("c6 ff ff ff ff"),
      Hex.bytes("c9 7f ff ff ff 01"), Hex.bytes("c9 ff ff ff ff 01"), Hex.bytes("cf ff ff ff ff ff ff ff ff"),
      Hex.bytes("d3 80 00 00 00 00 00 00 00"), Hex.bytes("c1"), Hex.bytes("cb 7f f8 00 00 00 00 00 00"),
      Hex.bytes("9f 9f 9f 9f 9f 9f 9f 9f"), nested(2000),
  };

  /** Single bytes of every msgpack type, to swap one value's type. */
  private static final int[] TYPE_BYTES = {0x00, 0x7f, 0xe0, 0xff, 0x80, 0x8f, 0x90, 0x9f, 0xa0, 0xbf, 0xc0, 0xc1,
      0xc2, 0xc3, 0xc4, 0xc5, 0xc6, 0xc7, 0xc8, 0xc9, 0xca, 0xcb, 0xcc, 0xcd, 0xce, 0xcf, 0xd0, 0xd1, 0xd2, 0xd3,
      0xd4, 0xd5, 0xd6, 0xd7, 0xd8, 0xd9, 0xda, 0xdb, 0xdc, 0xdd, 0xde, 0xdf};

  private static final String[] JSON_FRAGMENTS = {"[", "]", "{", "}", ",", ":", "\"", "null", "true", "-1", "0",
      "1.5", "1e999999", "-1e-999", "18446744073709551616", "18446744073709551615", "99999999999999999999999999999",
      "\"zz\"", "\"0xffffffffffffffff\"", "\"\\u0000\"", "\"type\"", "\"stored\"", "\"removed\"", "\"blocks\"",
      "\"tokens\"", "\"event_id\"", "\"data\"", "{}", "[]", "[".repeat(70),
      "9".repeat(200), "\"" + "x".repeat(300) + "\"", "NaN", "\u00ff", "\uD800"};

  private final Random random = new Random(SEED);
  /** Hostile headers inserted by {@link #mutate} so far (each fuzz run reports its share). */
  private int hostileInserted;
  /** Hostile JSON fragments inserted by {@link #mutateJson} so far. */
  private int hostileJson;

  /** What a fuzz run saw: inputs decoded, inputs rejected with a DecodeException, inputs with a hostile header. */
  record Outcomes(int runs, int accepted, int rejected, int hostile) {
    Outcomes assertMeaningful() {
      assertThat(runs).as("mutated inputs").isGreaterThanOrEqualTo(RUNS);
      assertThat(accepted + rejected).isEqualTo(runs);
      assertThat(accepted).as("inputs that still decoded").isPositive();
      assertThat(rejected).as("inputs rejected with a DecodeException").isGreaterThanOrEqualTo(runs / 10);
      assertThat(hostile).as("inputs carrying a hostile length header (JSON: huge number, deep nesting)")
          .isGreaterThanOrEqualTo(runs / 20);
      return this;
    }
  }

  @FunctionalInterface
  interface BytesDecoder {
    void decode(byte[] input) throws DecodeException;
  }

  /** Decodes JSON; returns true when the input was accepted without any reported error. */
  @FunctionalInterface
  interface StringDecoder {
    boolean decode(String input) throws DecodeException;
  }

  @Test
  void agentBatchCodecSurvivesMutatedInput() {
    List<byte[]> seeds = new ArrayList<>();
    for (int i = 0; i < 30; i++) {
      seeds.add(AgentBatchCodec.encode(randomAgentBatch()));
    }
    fuzzBytes(seeds, AgentBatchCodec::decode).assertMeaningful();
  }

  @Test
  void vllmMapFormSurvivesMutatedInput() {
    fuzzBytes(vllmSeeds(false), VllmBatchCodec::decode).assertMeaningful();
  }

  @Test
  void vllmPositionalFormSurvivesMutatedInput() {
    fuzzBytes(vllmSeeds(true), VllmBatchCodec::decode).assertMeaningful();
  }

  @Test
  void kvPayloadDecoderOnlyDropsCleanly() {
    List<byte[]> seeds = vllmSeeds(false);
    seeds.addAll(vllmSeeds(true));
    for (int i = 0; i < 15; i++) {
      seeds.add(AgentBatchCodec.encode(randomAgentBatch()));
    }
    KvPayloadDecoder decoder = new KvPayloadDecoder(4);
    int[] dropped = new int[1];
    Outcomes outcomes = fuzzBytes(seeds, input -> {
      KvPayloadDecoder.Result r = decoder.decode(input);
      if (r.isOk()) {
        assertThat(r.reason()).isNull();
        for (KvEvent e : r.batch().events()) {
          if (e instanceof KvEvent.Stored s) {
            assertThat(s.tokensHashes()).hasSameSizeAs(s.blockHashes());
          }
        }
      } else {
        assertThat(r.reason()).isEqualTo(KvPayloadDecoder.MALFORMED);
        assertThat(r.detail()).isNotBlank();
        dropped[0]++;
      }
    });
    assertThat(outcomes.runs()).isGreaterThanOrEqualTo(RUNS);
    assertThat(outcomes.accepted()).isEqualTo(outcomes.runs()); // it reports, never throws
    assertThat(dropped[0]).as("payloads dropped as malformed").isGreaterThanOrEqualTo(RUNS / 10);
    assertThat(outcomes.hostile()).isGreaterThanOrEqualTo(RUNS / 20);
  }

  @Test
  void kvFramesRejectWrongShapesOnly() {
    int runs = 0;
    for (int i = 0; i < RUNS; i++) {
      int count = random.nextInt(6);
      List<byte[]> frames = new ArrayList<>();
      for (int f = 0; f < count; f++) {
        frames.add(random.nextInt(20) == 0 ? null : randomBytes(random.nextInt(f == 1 ? 12 : 40)));
      }
      try {
        KvFrames.Frame frame = KvFrames.decode(frames);
        assertThat(frames).hasSize(3);
        assertThat(frames.get(1)).hasSize(8);
        assertThat(KvFrames.seqBytes(frame.seq())).isEqualTo(frames.get(1));
      } catch (DecodeException expected) {
        assertThat(expected.getMessage()).isNotBlank();
      } catch (Throwable t) {
        fail("KvFrames threw " + t + " for " + frames.size() + " frames");
      }
      runs++;
    }
    assertThat(runs).isEqualTo(RUNS);
  }

  /**
   * Whole ZMQ messages as the router receives them: valid [topic, seq, payload] messages (agent and vLLM payloads)
   * mutated by dropping, duplicating, adding, nulling or resizing frames, garbling the topic bytes, or mutating the
   * payload (hostile headers included), then decoded as the router does: {@link KvFrames#decode} and, when the
   * frames are well-formed, {@link KvPayloadDecoder#decode}. Allocation is bounded by the message size.
   */
  @Test
  void frameDecoderSurvivesMutatedMessages() {
    List<byte[]> payloads = vllmSeeds(false);
    payloads.addAll(vllmSeeds(true));
    for (int i = 0; i < 15; i++) {
      payloads.add(AgentBatchCodec.encode(randomAgentBatch()));
    }
    KvPayloadDecoder decoder = new KvPayloadDecoder(4);
    int runs = 0;
    int framesRejected = 0;
    int decoded = 0;
    int hostileBefore = hostileInserted;
    for (int i = -RUNS / 5; i < RUNS; i++) { // negative i: warm-up, not measured
      List<byte[]> message = mutateMessage(KvFrames.encode("worker-" + random.nextInt(8), random.nextLong(),
          payloads.get(random.nextInt(payloads.size()))), payloads);
      long size = message.stream().mapToLong(f -> f == null ? 0 : f.length).sum();
      long before = THREADS.getCurrentThreadAllocatedBytes();
      try {
        KvFrames.Frame frame = KvFrames.decode(message);
        assertThat(message).hasSize(3);
        assertThat(message.get(1)).hasSize(8);
        assertThat(KvFrames.seqBytes(frame.seq())).isEqualTo(message.get(1));
        assertThat(frame.payload()).isSameAs(message.get(2));
        KvPayloadDecoder.Result r = decoder.decode(frame.payload());
        assertThat(r.isOk() || KvPayloadDecoder.MALFORMED.equals(r.reason())).as("result %s", r.reason()).isTrue();
        decoded++;
      } catch (DecodeException expected) {
        assertThat(expected.getMessage()).isNotBlank().doesNotContain("\n");
        framesRejected += i >= 0 ? 1 : 0;
      } catch (Throwable t) {
        fail("frame decode threw " + t + " for " + message.size() + " frames");
      }
      if (i >= 0) {
        assertBounded(before, size);
        runs++;
      }
    }
    assertThat(runs).isGreaterThanOrEqualTo(RUNS);
    assertThat(framesRejected).as("messages rejected for their frame shape").isGreaterThanOrEqualTo(RUNS / 10);
    assertThat(decoded).as("messages whose payload reached the payload decoder").isGreaterThanOrEqualTo(RUNS / 10);
    assertThat(hostileInserted - hostileBefore).isGreaterThanOrEqualTo(RUNS / 50);
  }

  @Test
  void trtllmEventCodecSurvivesMutatedInput() {
    List<String> seeds = new ArrayList<>(List.of(TrtllmEventCodecTest.REFERENCE));
    for (int i = 0; i < 20; i++) {
      seeds.add(TrtllmEventCodec.encodeArray(randomTrtllmEvents()));
    }
    // Bad elements are reported in Decoded.errors() (the good ones kept); only a non-array top level throws.
    fuzzJson(seeds, s -> {
      TrtllmEventCodec.Decoded fromString = TrtllmEventCodec.decodeArray(s);
      // The agent decodes the wire bytes: the same events and as many errors (the messages name their source).
      TrtllmEventCodec.Decoded fromBytes = TrtllmEventCodec.decodeArray(s.getBytes(StandardCharsets.UTF_8));
      assertThat(fromBytes.events()).isEqualTo(fromString.events());
      assertThat(fromBytes.errors()).hasSameSizeAs(fromString.errors());
      return fromString.errors().isEmpty();
    }).assertMeaningful();
  }

  @Test
  void loadMetricsCodecSurvivesMutatedInput() {
    List<byte[]> seeds = new ArrayList<>();
    for (int i = 0; i < 20; i++) {
      seeds.add(LoadMetricsCodec.encode(new LoadMetrics(random.nextInt(100), random.nextDouble(), random.nextInt(64),
          random.nextInt(16384), 16384, "worker-" + i, 1.7e9 + i)));
    }
    List<String> json = seeds.stream().map(b -> new String(b, StandardCharsets.UTF_8)).toList();
    fuzzJson(json, s -> LoadMetricsCodec.decode(s.getBytes(StandardCharsets.UTF_8)) != null).assertMeaningful();
    // The same seeds as raw bytes: msgpack-style hostile headers and invalid UTF-8 inside a JSON frame.
    fuzzBytes(seeds, LoadMetricsCodec::decode).assertMeaningful();
  }

  @Test
  void iterationStatsCodecSurvivesMutatedInput() {
    List<String> seeds = new ArrayList<>(List.of(IterationStatsCodecTest.REFERENCE));
    for (int i = 0; i < 10; i++) {
      List<IterationStats> stats = new ArrayList<>();
      for (int j = 0; j < 1 + random.nextInt(3); j++) {
        stats.add(new IterationStats(random.nextInt(1000), random.nextDouble() * 10, random.nextInt(9),
            random.nextInt(9), new IterationStats.KvCacheStats(100, 90, 10, 32, 5, 4, 3, 2, 0.5),
            new IterationStats.InflightBatchingStats(1, 2, 3, 4, 5)));
      }
      seeds.add(IterationStatsCodec.encodeArray(stats));
    }
    fuzzJson(seeds, s -> IterationStatsCodec.decodeArray(s) != null).assertMeaningful();
  }

  @Test
  void hostileHeadersAloneAreRejectedByEveryMsgpackDecoder() {
    KvPayloadDecoder decoder = new KvPayloadDecoder(32);
    for (int warmUp = 0; warmUp < 2; warmUp++) {
      for (byte[] h : HOSTILE) {
        expectOnlyDecodeException(h, AgentBatchCodec::decode, warmUp == 1);
        expectOnlyDecodeException(h, VllmBatchCodec::decode, warmUp == 1);
      }
    }
    for (byte[] h : HOSTILE) {
      for (byte[] input : List.of(h, concat(Hex.bytes("93 cb 00 00 00 00 00 00 00 00"), h),
          concat(Hex.bytes("92 00 91"), h), concat(Hex.bytes("92 00 91 99 ab 426c6f636b53746f726564"), h))) {
        expectOnlyDecodeException(input, AgentBatchCodec::decode, true);
        expectOnlyDecodeException(input, VllmBatchCodec::decode, true);
        KvPayloadDecoder.Result r = decoder.decode(input);
        // Either the whole batch is dropped, or (a well-formed batch with one bad event) just that event is.
        if (r.isOk()) {
          assertThat(r.batch().events()).isEmpty();
          assertThat(r.droppedEvents()).isNotEmpty();
        }
      }
    }
  }

  // ---- engines

  private Outcomes fuzzBytes(List<byte[]> seeds, BytesDecoder decoder) {
    // The seeds themselves must decode: the mutations then start from meaningful input.
    for (byte[] seed : seeds) {
      try {
        decoder.decode(seed.clone());
      } catch (DecodeException e) {
        fail("seed did not decode: " + e.getMessage() + " " + Hex.of(seed));
      }
    }
    // Warm-up (not measured): first calls link string concatenation and load classes, which allocates.
    for (int i = 0; i < RUNS / 5; i++) {
      expectOnlyDecodeException(mutate(seeds.get(random.nextInt(seeds.size())), seeds), decoder, false);
    }
    int runs = 0;
    int rejected = 0;
    int hostileBefore = hostileInserted;
    for (int i = 0; i < RUNS; i++) {
      byte[] input = mutate(seeds.get(random.nextInt(seeds.size())), seeds);
      rejected += expectOnlyDecodeException(input, decoder, true) ? 0 : 1;
      runs++;
    }
    return new Outcomes(runs, runs - rejected, rejected, hostileInserted - hostileBefore);
  }

  private Outcomes fuzzJson(List<String> seeds, StringDecoder decoder) {
    int runs = 0;
    int rejected = 0;
    int hostileBefore = 0;
    for (int i = -RUNS / 5; i < RUNS; i++) { // negative i: warm-up, not measured
      if (i == 0) {
        hostileBefore = hostileJson;
      }
      String input = mutateJson(seeds.get(random.nextInt(seeds.size())), seeds);
      long before = THREADS.getCurrentThreadAllocatedBytes();
      boolean clean = false;
      try {
        clean = decoder.decode(input);
      } catch (DecodeException expected) {
        assertThat(expected.getMessage()).isNotBlank().doesNotContain("\n");
      } catch (Throwable t) {
        fail("decoder threw " + t + " for input: " + input);
      }
      if (i >= 0) {
        assertBounded(before, input.length() * 2L);
        runs++;
        rejected += clean ? 0 : 1;
      }
    }
    return new Outcomes(runs, runs - rejected, rejected, hostileJson - hostileBefore);
  }

  /** True when the input decoded, false when it was rejected with a DecodeException; fails on anything else. */
  private static boolean expectOnlyDecodeException(byte[] input, BytesDecoder decoder, boolean measure) {
    long before = THREADS.getCurrentThreadAllocatedBytes();
    boolean decoded = false;
    try {
      decoder.decode(input);
      decoded = true;
    } catch (DecodeException expected) {
      assertThat(expected.getMessage()).isNotBlank();
    } catch (Throwable t) {
      fail("decoder threw " + t + " for input: " + Hex.of(input));
    }
    if (measure) {
      assertBounded(before, input.length);
    }
    return decoded;
  }

  /**
   * At most 1 MiB plus 64 bytes per input byte (output arrays, parser buffers, messages): a decoder that trusted
   * an array32 header would allocate gigabytes.
   */
  private static void assertBounded(long allocatedBefore, long inputBytes) {
    long allocated = THREADS.getCurrentThreadAllocatedBytes() - allocatedBefore;
    assertThat(allocated).as("bytes allocated decoding %d input bytes", inputBytes)
        .isLessThanOrEqualTo(1024 * 1024 + 64 * inputBytes);
  }

  // ---- mutations

  private byte[] mutate(byte[] seed, List<byte[]> seeds) {
    byte[] b = seed.clone();
    int rounds = 1 + random.nextInt(3);
    for (int r = 0; r < rounds; r++) {
      switch (random.nextInt(8)) {
        case 0 -> { // bit flips
          if (b.length > 0) {
            int flips = 1 + random.nextInt(4);
            for (int f = 0; f < flips; f++) {
              b[random.nextInt(b.length)] ^= (byte) (1 << random.nextInt(8));
            }
          }
        }
        case 1 -> b = Arrays.copyOf(b, b.length == 0 ? 0 : random.nextInt(b.length)); // truncation
        case 2 -> b = randomBytes(random.nextInt(64)); // garbage
        case 3 -> { // hostile header
          b = insert(b, HOSTILE[random.nextInt(HOSTILE.length)]);
          hostileInserted++;
        }
        case 4 -> { // one value's type replaced
          if (b.length > 0) {
            b[random.nextInt(b.length)] = (byte) TYPE_BYTES[random.nextInt(TYPE_BYTES.length)];
          }
        }
        case 5 -> { // splice two inputs
          byte[] other = seeds.get(random.nextInt(seeds.size()));
          int cut = b.length == 0 ? 0 : random.nextInt(b.length);
          int from = other.length == 0 ? 0 : random.nextInt(other.length);
          b = concat(Arrays.copyOf(b, cut), Arrays.copyOfRange(other, from, other.length));
        }
        case 6 -> b = insert(b, randomBytes(1 + random.nextInt(8))); // random insertion
        default -> { // deletion of a run
          if (b.length > 1) {
            int at = random.nextInt(b.length - 1);
            int len = 1 + random.nextInt(Math.min(8, b.length - at));
            b = concat(Arrays.copyOf(b, at), Arrays.copyOfRange(b, at + len, b.length));
          }
        }
      }
    }
    return b;
  }

  private String mutateJson(String seed, List<String> seeds) {
    StringBuilder s = new StringBuilder(seed);
    int rounds = 1 + random.nextInt(3);
    for (int r = 0; r < rounds; r++) {
      int at = s.length() == 0 ? 0 : random.nextInt(s.length());
      switch (random.nextInt(6)) {
        case 0 -> {
          if (s.length() > 0) {
            s.setCharAt(at, (char) (32 + random.nextInt(95)));
          }
        }
        case 1 -> s.setLength(at);
        case 2 -> s.insert(at, jsonFragment());
        case 3 -> { // replace a token-sized run with a fragment of another type
          int end = Math.min(s.length(), at + 1 + random.nextInt(12));
          s.replace(at, end, jsonFragment());
        }
        case 4 -> {
          String other = seeds.get(random.nextInt(seeds.size()));
          s.setLength(at);
          s.append(other, other.isEmpty() ? 0 : random.nextInt(other.length()), other.length());
        }
        default -> {
          s.setLength(0);
          for (int i = random.nextInt(40); i > 0; i--) {
            s.append((char) random.nextInt(128));
          }
        }
      }
    }
    return s.toString();
  }

  /** One to three frame-level or payload-level mutations of a valid 3-frame message. */
  private List<byte[]> mutateMessage(List<byte[]> valid, List<byte[]> payloads) {
    List<byte[]> m = new ArrayList<>(valid);
    int rounds = 1 + random.nextInt(3);
    for (int r = 0; r < rounds; r++) {
      int at = m.isEmpty() ? 0 : random.nextInt(m.size());
      switch (random.nextInt(9)) {
        case 0 -> {
          if (!m.isEmpty()) {
            m.remove(at); // missing frame
          }
        }
        case 1 -> {
          if (!m.isEmpty()) {
            m.add(at, m.get(at)); // duplicated frame
          }
        }
        case 2 -> m.add(random.nextInt(m.size() + 1), randomBytes(random.nextInt(16))); // extra frame
        case 3 -> {
          if (!m.isEmpty()) {
            m.set(at, null); // null frame
          }
        }
        case 4 -> {
          if (m.size() > 1 && m.get(1) != null) { // seq frame cut or grown
            m.set(1, Arrays.copyOf(m.get(1), random.nextBoolean() ? random.nextInt(8) : 9 + random.nextInt(8)));
          }
        }
        case 5 -> {
          if (!m.isEmpty()) {
            m.set(0, randomBytes(random.nextInt(12))); // topic of arbitrary (often invalid UTF-8) bytes
          }
        }
        default -> { // payload mutated as the codec fuzzers do (hostile headers included)
          if (m.size() > 2 && m.get(2) != null) {
            m.set(2, mutate(m.get(2), payloads));
          }
        }
      }
    }
    return m;
  }

  /** A JSON fragment; counts the hostile ones (numbers beyond u64/f64, deep nesting, long runs). */
  private String jsonFragment() {
    String f = JSON_FRAGMENTS[random.nextInt(JSON_FRAGMENTS.length)];
    if (f.length() > 12 || f.startsWith("1e") || f.startsWith("-1e") || f.startsWith("184467440737095516")) {
      hostileJson++;
    }
    return f;
  }

  // ---- seeds

  private KvEventBatch randomAgentBatch() {
    List<KvEvent> events = new ArrayList<>();
    for (int e = random.nextInt(5); e > 0; e--) {
      int n = random.nextInt(6);
      long[] blocks = random.longs(n).toArray();
      switch (random.nextInt(3)) {
        case 0 -> events.add(random.nextBoolean() ? KvEvent.Stored.root(blocks, random.longs(n).toArray())
            : KvEvent.Stored.under(random.nextLong(), blocks, random.longs(n).toArray()));
        case 1 -> events.add(new KvEvent.Removed(blocks));
        default -> events.add(KvEvent.Cleared.INSTANCE);
      }
    }
    return new KvEventBatch(random.nextDouble() * 1e9, events, random.nextInt(4));
  }

  /** vLLM batches in one form: the golden bytes of that form plus 30 random batches. */
  private List<byte[]> vllmSeeds(boolean positional) {
    List<byte[]> seeds = new ArrayList<>();
    if (positional) {
      seeds.add(Hex.bytes(VllmBatchCodecTest.POSITIONAL_STORED));
    } else {
      seeds.add(Hex.bytes(VllmBatchCodecTest.MAP_REMOVED));
      seeds.add(Hex.bytes(VllmBatchCodecTest.MAP_STORED));
    }
    for (int i = 0; i < 30; i++) {
      List<VllmEvent> events = new ArrayList<>();
      for (int e = 1 + random.nextInt(4); e > 0; e--) {
        int n = 1 + random.nextInt(3);
        switch (random.nextInt(4)) {
          case 0, 1 -> events.add(new VllmEvent.BlockStored(random.longs(n).toArray(),
              random.nextBoolean() ? null : random.nextLong(), random.ints(n * 4 + 1, 0, 200_000).toArray(),
              random.nextInt(5) == 0 ? 2 : 4, random.nextBoolean() ? "lora" : null,
              random.nextBoolean() ? "GPU" : null, random.nextBoolean() ? "salt" : null, random.nextInt(4) == 0));
          case 2 -> events.add(new VllmEvent.BlockRemoved(random.longs(n).toArray(),
              random.nextBoolean() ? null : "CPU"));
          default -> events.add(new VllmEvent.AllBlocksCleared());
        }
      }
      VllmBatch batch = new VllmBatch(random.nextDouble(), events, random.nextBoolean() ? null : random.nextInt(4));
      seeds.add(positional ? VllmBatchCodec.encodePositional(batch) : VllmBatchCodec.encode(batch));
    }
    return seeds;
  }

  private List<TrtllmEvent> randomTrtllmEvents() {
    List<TrtllmEvent> events = new ArrayList<>();
    long id = 0;
    for (int e = 1 + random.nextInt(4); e > 0; e--) {
      Integer window = random.nextBoolean() ? null : 4096;
      switch (random.nextInt(4)) {
        case 0 -> events.add(new TrtllmEvent.Created(id++, window, null, new long[] {16384, 0}));
        case 1 -> {
          List<TrtllmEvent.StoredBlock> blocks = new ArrayList<>();
          for (int b = 1 + random.nextInt(3); b > 0; b--) {
            blocks.add(new TrtllmEvent.StoredBlock(random.nextLong(), random.ints(1 + random.nextInt(6), 0, 1000)
                .toArray(), 0, 35, random.nextBoolean() ? new long[0] : new long[] {random.nextLong()}));
          }
          events.add(new TrtllmEvent.Stored(id++, window, random.nextBoolean() ? null : 0,
              random.nextBoolean() ? null : random.nextLong(), blocks));
        }
        case 2 -> events.add(new TrtllmEvent.Removed(id++, window, null, random.longs(2).toArray()));
        default -> events.add(new TrtllmEvent.Updated(id++, window, null, random.nextLong()));
      }
    }
    return events;
  }

  // ---- bytes

  private byte[] randomBytes(int n) {
    byte[] b = new byte[n];
    random.nextBytes(b);
    return b;
  }

  private byte[] insert(byte[] b, byte[] what) {
    int at = b.length == 0 ? 0 : random.nextInt(b.length + 1);
    byte[] out = new byte[b.length + what.length];
    System.arraycopy(b, 0, out, 0, at);
    System.arraycopy(what, 0, out, at, what.length);
    System.arraycopy(b, at, out, at + what.length, b.length - at);
    return out;
  }

  private static byte[] concat(byte[] a, byte[] b) {
    byte[] out = Arrays.copyOf(a, a.length + b.length);
    System.arraycopy(b, 0, out, a.length, b.length);
    return out;
  }

  private static byte[] nested(int depth) {
    byte[] b = new byte[depth];
    Arrays.fill(b, (byte) 0x91);
    return b;
  }
}

package io.kvroute.common.bench;

import io.kvroute.common.codec.AgentBatchCodec;
import io.kvroute.common.codec.DecodeException;
import io.kvroute.common.codec.KvPayloadDecoder;
import io.kvroute.common.codec.VllmBatch;
import io.kvroute.common.codec.VllmBatchCodec;
import io.kvroute.common.codec.VllmEvent;
import io.kvroute.common.event.KvEvent;
import io.kvroute.common.event.KvEventBatch;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * KV event payload codecs, one thread: a batch holding one stored event of {@code blocks} blocks (a prefill of
 * blocks × 32 tokens) with hashes spread over the whole u64 range. Blocks/s = blocks / time.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
public class CodecBenchmark {

  @Param({"64"})
  public int blocks;

  private KvEventBatch batch;
  private byte[] agentBytes;
  private byte[] vllmBytes;
  private KvPayloadDecoder decoder;

  @Setup
  public void setup() {
    Random random = new Random(7);
    long[] blockHashes = random.longs(blocks).toArray();
    long[] tokensHashes = random.longs(blocks).toArray();
    batch = new KvEventBatch(1.7e9, List.of(KvEvent.Stored.under(random.nextLong(), blockHashes, tokensHashes)), 0);
    agentBytes = AgentBatchCodec.encode(batch);
    int[] tokens = random.ints(blocks * 32, 0, 151_643).toArray();
    vllmBytes = VllmBatchCodec.encodePositional(new VllmBatch(1.7e9, List.of(
        new VllmEvent.BlockStored(blockHashes, null, tokens, 32, null, null, null)), 0));
    decoder = new KvPayloadDecoder(32);
  }

  @Benchmark
  public byte[] agentEncode() {
    return AgentBatchCodec.encode(batch);
  }

  @Benchmark
  public KvEventBatch agentDecode() throws DecodeException {
    return AgentBatchCodec.decode(agentBytes);
  }

  /** The router's path for agent payloads (format detection included). */
  @Benchmark
  public KvPayloadDecoder.Result routerDecodeAgent() {
    return decoder.decode(agentBytes);
  }

  /** The router's path for a vLLM positional payload: decode + tokens_hash for every block. */
  @Benchmark
  public KvPayloadDecoder.Result routerDecodeVllm() {
    return decoder.decode(vllmBytes);
  }
}

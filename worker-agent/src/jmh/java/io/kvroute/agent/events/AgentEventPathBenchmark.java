package io.kvroute.agent.events;

import io.kvroute.agent.AgentMetrics;
import io.kvroute.common.codec.DecodeException;
import io.kvroute.common.codec.TrtllmEvent;
import io.kvroute.common.codec.TrtllmEventCodec;
import io.kvroute.common.event.KvEvent;
import io.kvroute.common.event.KvEventBatch;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * The agent's per-event path for one TRT-LLM {@code stored} event of 16 blocks × 32 tokens (a 512-token prefill):
 * JSON decode + normalisation (tokens_hash per block), and publishing (msgpack encode, block table, ring).
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
public class AgentEventPathBenchmark {

  private static final int B = 32;
  private static final int BLOCKS = 16;

  private String json;
  private List<TrtllmEvent> events;
  private TrtllmNormalizer normalizer;
  private KvEventLog log;
  private KvEventBatch stored;
  private KvEventBatch removed;
  private long id = 1;

  @Setup
  public void setup() {
    AgentMetrics metrics = new AgentMetrics("bench", () -> true);
    normalizer = new TrtllmNormalizer(B, metrics);
    List<TrtllmEvent.StoredBlock> blocks = new ArrayList<>();
    long[] hashes = new long[BLOCKS];
    for (int b = 0; b < BLOCKS; b++) {
      int[] tokens = new int[B];
      for (int t = 0; t < B; t++) {
        tokens[t] = 1000 + b * B + t;
      }
      hashes[b] = 0x9E3779B97F4A7C15L * (b + 1);
      blocks.add(new TrtllmEvent.StoredBlock(hashes[b], tokens));
    }
    events = List.of(new TrtllmEvent.Stored(0, 4096, null, null, blocks));
    json = TrtllmEventCodec.encodeArray(events);
    log = new KvEventLog("bench", B, 4096, metrics, (seq, payload) -> { });
    stored = normalizer.normalize(events, 1.0).get(0);
    removed = new KvEventBatch(1.0, List.of(new KvEvent.Removed(hashes)), 0);
  }

  /** Decode a drained JSON array of one 16-block stored event and normalise it. */
  @Benchmark
  public List<KvEventBatch> decodeAndNormalize() throws DecodeException {
    List<TrtllmEvent> decoded = TrtllmEventCodec.decodeArray(json).events();
    return normalizer.normalize(renumber(decoded), 1.0);
  }

  /** Normalise an already decoded event (hashing dominates). */
  @Benchmark
  public List<KvEventBatch> normalizeOnly() {
    return normalizer.normalize(renumber(events), 1.0);
  }

  /** Publish a stored batch then its removal (seq, msgpack encode, table, ring; the ZMQ send is excluded). */
  @Benchmark
  public long publishStoredAndRemoved() {
    log.publish(stored);
    return log.publish(removed);
  }

  private List<TrtllmEvent> renumber(List<TrtllmEvent> in) {
    TrtllmEvent.Stored s = (TrtllmEvent.Stored) in.get(0);
    return List.of(new TrtllmEvent.Stored(id++, s.windowSize(), null, null, s.blocks()));
  }
}

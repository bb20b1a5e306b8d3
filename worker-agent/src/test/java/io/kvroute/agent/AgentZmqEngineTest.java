package io.kvroute.agent;

import static org.assertj.core.api.Assertions.assertThat;

import io.kvroute.common.codec.KvFrames;
import io.kvroute.common.codec.RecoveryJson;
import io.kvroute.common.codec.VllmBatch;
import io.kvroute.common.codec.VllmBatchCodec;
import io.kvroute.common.codec.VllmEvent;
import io.kvroute.common.event.KvEvent;
import io.kvroute.common.hash.BlockHasher;
import io.vertx.core.Vertx;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.zeromq.SocketType;
import org.zeromq.ZContext;
import org.zeromq.ZMQ;

/**
 * The zmq adapter against a vLLM-format publisher with a replay socket (the engine's side is played by the test:
 * a PUB socket and a ROUTER answering replay requests as vLLM does).
 */
@Timeout(60)
class AgentZmqEngineTest {

  private static final int B = 4;

  private final ZContext zmq = new ZContext(1);
  private final Map<Long, byte[]> sent = new ConcurrentHashMap<>();
  private Vertx vertx;
  private Agent agent;
  private Thread replayThread;
  private volatile boolean stopped;

  @AfterEach
  void stop() throws Exception {
    stopped = true;
    if (agent != null) {
      TestAgents.await(agent.stop());
    }
    if (vertx != null) {
      TestAgents.await(vertx.close());
    }
    if (replayThread != null) {
      replayThread.join(2000);
    }
    zmq.close();
  }

  private static byte[] storedBatch(int from, long hash, Long parent) {
    int[] tokens = IntStream.range(from, from + B).toArray();
    return VllmBatchCodec.encode(new VllmBatch(1.0, List.of(new VllmEvent.BlockStored(new long[] {hash}, parent,
        tokens, B, null, null, null)), 0));
  }

  private void publish(ZMQ.Socket pub, long seq, byte[] payload) {
    sent.put(seq, payload);
    pub.sendMore("");
    pub.sendMore(KvFrames.seqBytes(seq));
    pub.send(payload, 0);
  }

  private void serveReplay(ZMQ.Socket router) {
    router.setReceiveTimeOut(50);
    while (!stopped) {
      byte[] identity = router.recv(0);
      if (identity == null) {
        continue;
      }
      router.recv(0);
      long start = java.nio.ByteBuffer.wrap(router.recv(0)).getLong();
      VllmReplayAnswer.send(router, identity, sent, start);
    }
    router.close();
  }

  @Test
  void shouldConvertVllmBatchesRepairAGapThroughReplayAndClearOnRestart() throws Exception {
    ZMQ.Socket pub = zmq.createSocket(SocketType.PUB);
    int pubPort = pub.bindToRandomPort("tcp://127.0.0.1");
    java.util.concurrent.CompletableFuture<Integer> bound = new java.util.concurrent.CompletableFuture<>();
    replayThread = new Thread(() -> {
      ZMQ.Socket router = zmq.createSocket(SocketType.ROUTER);
      bound.complete(router.bindToRandomPort("tcp://127.0.0.1"));
      serveReplay(router);
    }, "test-replay");
    replayThread.start();
    int replayPort = bound.get(5, java.util.concurrent.TimeUnit.SECONDS);
    vertx = Vertx.vertx();
    agent = TestAgents.await(Agent.start(vertx, TestAgents.zmq("tcp://127.0.0.1:" + pubPort,
        "tcp://127.0.0.1:" + replayPort, B)));

    // until the agent's SUB has joined, resending seq 0 is harmless (duplicates are dropped)
    Await.until("first batch through", 10_000, () -> {
      publish(pub, 0, storedBatch(0, 100, null));
      return agent.eventLog().lastSeq() >= 0;
    });
    sent.put(1L, storedBatch(4, 101, 100L)); // never published live: lost on hop 1
    publish(pub, 2, storedBatch(8, 102, 101L));
    publish(pub, 3, VllmBatchCodec.encode(new VllmBatch(2.0, List.of(new VllmEvent.BlockStored(new long[] {103},
        102L, IntStream.range(0, 8).toArray(), 8, null, null, null)), 0)));
    publish(pub, 4, VllmBatchCodec.encode(new VllmBatch(2.0, List.of(new VllmEvent.BlockRemoved(new long[] {102},
        null)), 0)));
    Await.until("gap repaired and live batches applied", 10_000, () -> agent.eventLog().lastSeq() >= 3);

    RecoveryJson.EventsPage page = RecoveryJson.decodeEvents(TestHttp.get("http://127.0.0.1:" + agent.httpPort()
        + "/v1/kv/events?after=-1").body());
    BlockHasher h = BlockHasher.create(B);
    assertThat(page.batches()).extracting(b -> b.batch().events().get(0)).containsExactly(
        KvEvent.Stored.root(new long[] {100}, h.localHashes(IntStream.range(0, 4).toArray())),
        KvEvent.Stored.under(100, new long[] {101}, h.localHashes(IntStream.range(4, 8).toArray())),
        KvEvent.Stored.under(101, new long[] {102}, h.localHashes(IntStream.range(8, 12).toArray())),
        new KvEvent.Removed(new long[] {102}));
    AgentMetrics m = agent.metrics();
    assertThat(m.engineGapEvents()).isEqualTo(1);
    assertThat(m.count("kvroute_agent_dropped_total", "reason", "block_size_mismatch")).isEqualTo(1);

    // the engine restarts: its seq starts again at 0
    sent.clear();
    publish(pub, 0, storedBatch(20, 200, null));
    Await.until("cleared and new store", 10_000, () -> agent.eventLog().lastSeq() >= 5);
    RecoveryJson.Snapshot snap = RecoveryJson.decodeSnapshot(TestHttp.get("http://127.0.0.1:" + agent.httpPort()
        + "/v1/kv/snapshot").body());
    assertThat(snap.blockCount()).isEqualTo(1);
    assertThat(TestHttp.get("http://127.0.0.1:" + agent.httpPort() + "/ready").statusCode()).isEqualTo(200);
    pub.close();
  }
}

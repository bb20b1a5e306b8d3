package io.kvroute.agent;

import static org.assertj.core.api.Assertions.assertThat;

import io.kvroute.agent.sim.SimConfig;
import io.kvroute.common.codec.KvFrames;
import io.kvroute.common.codec.RecoveryJson;
import io.kvroute.common.codec.VllmBatch;
import io.kvroute.common.codec.VllmBatchCodec;
import io.kvroute.common.codec.VllmEvent;
import io.kvroute.common.event.KvEvent;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.zeromq.SocketType;
import org.zeromq.ZContext;
import org.zeromq.ZMQ;

/**
 * A data-parallel engine with one PUB socket per rank (as Dynamo's per-rank ports): rank 0 without a replay socket,
 * rank 1 with one. Seqs are tracked per rank, a batch without dp_rank takes its socket's rank, and a batch's own
 * dp_rank wins.
 */
@Timeout(60)
class AgentZmqDataParallelTest {

  private static final int B = 4;

  private final ZContext zmq = new ZContext(1);
  private final Map<Long, byte[]> sentRank1 = new ConcurrentHashMap<>();
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

  private static byte[] stored(long hash, Integer dpRank) {
    int[] tokens = IntStream.range((int) hash, (int) hash + B).toArray();
    return VllmBatchCodec.encode(new VllmBatch(1.0, List.of(new VllmEvent.BlockStored(new long[] {hash}, null,
        tokens, B, null, null, null)), dpRank));
  }

  private static void publish(ZMQ.Socket pub, long seq, byte[] payload) {
    pub.sendMore("");
    pub.sendMore(KvFrames.seqBytes(seq));
    pub.send(payload, 0);
  }

  /** vLLM's replay ROUTER for rank 1: [id, empty, start] → [id, empty, seq, payload]... then [id, empty, -1, ""]. */
  private void serveReplay(ZMQ.Socket router) {
    router.setReceiveTimeOut(50);
    while (!stopped) {
      byte[] identity = router.recv(0);
      if (identity == null) {
        continue;
      }
      router.recv(0);
      long start = ByteBuffer.wrap(router.recv(0)).getLong();
      VllmReplayAnswer.send(router, identity, sentRank1, start);
    }
    router.close();
  }

  @Test
  void shouldTrackEachRanksSeqAndTagBatchesWithTheirRank() throws Exception {
    ZMQ.Socket pub0 = zmq.createSocket(SocketType.PUB);
    int port0 = pub0.bindToRandomPort("tcp://127.0.0.1");
    ZMQ.Socket pub1 = zmq.createSocket(SocketType.PUB);
    int port1 = pub1.bindToRandomPort("tcp://127.0.0.1");
    CompletableFuture<Integer> bound = new CompletableFuture<>();
    replayThread = new Thread(() -> {
      ZMQ.Socket router = zmq.createSocket(SocketType.ROUTER);
      bound.complete(router.bindToRandomPort("tcp://127.0.0.1"));
      serveReplay(router);
    }, "test-replay-rank1");
    replayThread.start();
    int replayPort = bound.get(5, TimeUnit.SECONDS);
    vertx = Vertx.vertx();
    agent = TestAgents.await(Agent.start(vertx, new AgentConfig(0, "worker-dp", "zmq", "",
        "tcp://127.0.0.1:" + port0 + ", tcp://127.0.0.1:" + port1, ",tcp://127.0.0.1:" + replayPort, 0, 0, 0, B,
        SimConfig.DEFAULT_MODEL, List.of(), "127.0.0.1", "127.0.0.1", 4096, "", SimConfig.defaults())));
    String url = "http://127.0.0.1:" + agent.httpPort();
    Await.until("both ranks subscribed", 10_000, () -> TestHttp.get(url + "/ready").statusCode() == 200);
    assertThat(new JsonObject(TestHttp.get(url + "/v1/info").body()).getInteger("dp_size")).isEqualTo(2);

    // until a SUB has joined, resending seq 0 is harmless (duplicates are dropped)
    Await.until("rank 0 seq 0", 10_000, () -> {
      publish(pub0, 0, stored(100, null));
      return agent.eventLog().lastSeq() >= 0;
    });
    Await.until("rank 1 seq 0", 10_000, () -> {
      publish(pub1, 0, stored(200, null));
      return agent.eventLog().lastSeq() >= 1;
    });
    sentRank1.put(0L, stored(200, null));
    // the batch's own dp_rank wins over its socket's, even when it is 0
    sentRank1.put(1L, stored(201, 0));
    publish(pub1, 1, sentRank1.get(1L));
    Await.until("rank 1 seq 1", 10_000, () -> agent.eventLog().lastSeq() >= 2);
    // rank 0 continues at its own seq 1: neither a gap nor a restart
    publish(pub0, 1, stored(101, null));
    Await.until("rank 0 seq 1", 10_000, () -> agent.eventLog().lastSeq() >= 3);
    // rank 1 loses seq 2 on the wire: repaired from rank 1's replay socket
    sentRank1.put(2L, stored(202, null));
    sentRank1.put(3L, stored(203, 1));
    publish(pub1, 3, sentRank1.get(3L));
    Await.until("rank 1 gap repaired", 10_000, () -> agent.eventLog().lastSeq() >= 5);

    RecoveryJson.EventsPage page = RecoveryJson.decodeEvents(TestHttp.get(url + "/v1/kv/events?after=-1").body());
    assertThat(page.batches()).extracting(b -> b.batch().dpRank() + ":"
        + ((KvEvent.Stored) b.batch().events().get(0)).blockHashes()[0])
        .containsExactly("0:100", "1:200", "0:201", "0:101", "1:202", "1:203");
    assertThat(agent.metrics().engineGapEvents()).isEqualTo(1);
    assertThat(TestHttp.get(url + "/v1/kv/snapshot").statusCode()).isEqualTo(200);
    assertThat(agent.eventLog().tableSize()).isEqualTo(6);
    pub0.close();
    pub1.close();
  }
}

package io.kvroute.router;

import static io.kvroute.router.TestSupport.await;
import static io.kvroute.router.TestSupport.get;
import static org.assertj.core.api.Assertions.assertThat;

import io.kvroute.common.codec.KvFrames;
import io.kvroute.common.codec.VllmBatch;
import io.kvroute.common.codec.VllmBatchCodec;
import io.kvroute.common.codec.VllmEvent;
import io.kvroute.common.event.KvEvent;
import io.kvroute.router.core.Target;
import io.vertx.core.Vertx;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.zeromq.SocketType;
import org.zeromq.ZContext;
import org.zeromq.ZMQ;

/**
 * A static worker that is a raw vLLM engine (PUB events + ROUTER replay, no agent): the router recovers a mid-way
 * join and gaps through the engine's replay socket with a DEALER (reference notes §2.6), and flags a replay that
 * starts after the requested seq. The engine side is a real PUB and a real ROUTER serving a ring of vLLM batches.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class EngineReplayTest {

  private static final Duration WAIT = Duration.ofSeconds(15);
  private static final int B = 4;

  private final ConcurrentSkipListMap<Long, byte[]> ring = new ConcurrentSkipListMap<>();
  private final List<Long> replayRequests = new CopyOnWriteArrayList<>();
  private ZContext zmq;
  private ZMQ.Socket pub;
  private Thread engineReplay;
  private volatile boolean running = true;
  private int replayPort;
  private Vertx vertx;
  private RouterVerticle router;
  private int port;

  @BeforeEach
  void start() throws Exception {
    zmq = new ZContext(1);
    pub = zmq.createSocket(SocketType.PUB);
    pub.setLinger(0);
    int eventsPort = pub.bindToRandomPort("tcp://127.0.0.1");
    ZMQ.Socket replay = zmq.createSocket(SocketType.ROUTER);
    replay.setLinger(0);
    replay.setReceiveTimeOut(50);
    replayPort = replay.bindToRandomPort("tcp://127.0.0.1");
    // The ROUTER socket lives on this thread only (created above, before the thread starts; used only there).
    engineReplay = new Thread(() -> serveReplay(replay), "test-engine-replay");
    engineReplay.start();
    vertx = Vertx.vertx();
    RouterConfig config = RouterConfig.from(RouterConfig.options().parse(new String[] {"--router-port", "0",
        "--host", "127.0.0.1", "--http-instances", "1", "--block-size", Integer.toString(B), "--worker-ttl", "60s",
        "--recovery-timeout", "5s", "--worker",
        "id=eng,events=tcp://127.0.0.1:" + eventsPort + ",replay=tcp://127.0.0.1:" + replayPort}, Map.of()));
    router = new RouterVerticle(config);
    vertx.deployVerticle(router).await();
    port = router.actualPort();
  }

  @AfterEach
  void stop() throws Exception {
    vertx.close().await();
    running = false;
    engineReplay.join(5_000);
    zmq.close();
  }

  /** vLLM's replay: [identity, empty, start_seq] in; [identity, empty, seq, payload]... then an empty payload. */
  private void serveReplay(ZMQ.Socket socket) {
    try {
      while (running) {
        byte[] identity = socket.recv(0);
        if (identity == null) {
          continue;
        }
        List<byte[]> rest = new ArrayList<>();
        while (socket.hasReceiveMore()) {
          rest.add(socket.recv(0));
        }
        long start = ByteBuffer.wrap(rest.get(rest.size() - 1)).getLong();
        replayRequests.add(start);
        for (Map.Entry<Long, byte[]> e : ring.tailMap(start).entrySet()) {
          socket.sendMore(identity);
          socket.sendMore(new byte[0]);
          socket.sendMore(KvFrames.seqBytes(e.getKey()));
          socket.send(e.getValue());
        }
        socket.sendMore(identity);
        socket.sendMore(new byte[0]);
        socket.sendMore(KvFrames.seqBytes(-1));
        socket.send(new byte[0]);
      }
    } finally {
      socket.close();
    }
  }

  /** Puts one batch (a root block {@code hash}) in the engine's ring, and publishes it live when {@code live}. */
  private void engineBatch(long seq, long hash, boolean live) {
    int t = (int) hash;
    byte[] payload = VllmBatchCodec.encodePositional(new VllmBatch(1.0, List.of(new VllmEvent.BlockStored(
        new long[] {hash}, null, new int[] {t, t + 1, t + 2, t + 3}, B, null, null, null)), 0));
    ring.put(seq, payload);
    if (live) {
      pub.sendMore("eng".getBytes(StandardCharsets.UTF_8));
      pub.sendMore(KvFrames.seqBytes(seq));
      pub.send(payload);
    }
  }

  private Set<Long> blocks() {
    Set<Long> out = new HashSet<>();
    for (Map.Entry<Target, List<KvEvent.Stored>> e : router.core().dump().join().entrySet()) {
      if (e.getKey().workerId().equals("eng")) {
        for (KvEvent.Stored s : e.getValue()) {
          for (long h : s.blockHashes()) {
            out.add(h);
          }
        }
      }
    }
    return out;
  }

  @Test
  void shouldRecoverJoinAndGapsThroughTheEngineReplaySocketAndFlagAnIncompleteReplay() {
    // Join: whatever the SUB missed before it connected (slow joiner) comes back through a replay from seq 0.
    long[] next = {0};
    await("first batch indexed", WAIT, () -> {
      engineBatch(next[0], 100 + next[0], true);
      next[0]++;
      return blocks().contains(100L);
    });
    long joined = next[0];
    await("every joined batch indexed", WAIT, () -> {
      Set<Long> b = blocks();
      for (long s = 0; s < joined; s++) {
        if (!b.contains(100 + s)) {
          return false;
        }
      }
      return true;
    });

    // Gap: two batches lost on the live socket, recovered from the ring, then the live one.
    long n = next[0];
    engineBatch(n, 500, false);
    engineBatch(n + 1, 501, false);
    engineBatch(n + 2, 502, true);
    await("gap recovered", WAIT, () -> blocks().containsAll(List.of(500L, 501L, 502L)));
    assertThat(replayRequests).contains(n);
    assertThat(get(port, "/metrics").body()).contains("kvroute_router_seq_gaps_total")
        .contains("kvroute_router_replays_total{outcome=\"ok\"");

    // The ring no longer has the first missing seq: the replay starts later, is flagged, and the rest is applied.
    long m = n + 3;
    engineBatch(m + 1, 601, false);
    engineBatch(m + 2, 602, true);
    await("partial replay applied", WAIT, () -> blocks().containsAll(List.of(601L, 602L)));
    assertThat(replayRequests).contains(m);
    assertThat(get(port, "/metrics").body())
        .contains("kvroute_router_replays_total{outcome=\"incomplete_started_after_requested\"");
    assertThat(get(port, "/v1/workers").body()).contains("\"replay_endpoint\":\"tcp://127.0.0.1:" + replayPort);
  }

  @Test
  void shouldTakeTheReplayEndpointFromARegistration() {
    String body = new io.vertx.core.json.JsonObject().put("worker_id", "eng-2").put("block_size", B)
        .put("events_endpoint", "tcp://127.0.0.1:" + replayPort).put("replay_endpoint", "tcp://127.0.0.1:1").encode();
    assertThat(TestSupport.post(port, "/v1/workers", body).statusCode()).isEqualTo(201);
    assertThat(router.registry().get("eng-2").orElseThrow().spec().replayEndpoint()).isEqualTo("tcp://127.0.0.1:1");
    io.kvroute.router.registry.WorkerSpec spec = router.registry().get("eng-2").orElseThrow().spec();
    assertThat(spec.sameEndpoints(new io.kvroute.router.registry.WorkerSpec("eng-2", null,
        "tcp://127.0.0.1:" + replayPort, null, B, null, 1))).isFalse();
  }
}

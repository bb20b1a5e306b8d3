package io.kvroute.agent;

import io.kvroute.common.codec.KvFrames;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.zeromq.SocketType;
import org.zeromq.ZContext;
import org.zeromq.ZMQ;

/**
 * The engine side of the zmq adapter tests, played on real loopback sockets: one PUB socket per data-parallel rank
 * (a vLLM KV-event publisher, frames {@code [topic, seq, payload]}) and, for the ranks given one, a ROUTER that
 * answers replay requests as vLLM does (reference notes §2.3): {@code [id, "", start]} →
 * {@code [id, "", seq, payload]}... for every batch the rank published or {@linkplain #lose lost} from {@code start}
 * on, then the end marker {@code [id, "", -1, ""]}. The PUB sockets belong to the test thread, the ROUTERs to this
 * fixture's replay thread.
 */
public final class FakeVllmEngine implements AutoCloseable {

  private final ZContext zmq = new ZContext(1);
  private final ZMQ.Socket[] pubs;
  private final int[] pubPorts;
  private final List<Map<Long, byte[]>> rings = new ArrayList<>();
  private final String[] replayEndpoints;
  private final List<Long> replayRequests = new CopyOnWriteArrayList<>();
  private final AtomicInteger ignored = new AtomicInteger();
  private Thread replayThread;
  private volatile boolean stopped;

  /** Binds one PUB per rank ({@code withReplay.length} ranks) and a replay ROUTER for each rank marked true. */
  public FakeVllmEngine(boolean... withReplay) throws Exception {
    int ranks = withReplay.length;
    pubs = new ZMQ.Socket[ranks];
    pubPorts = new int[ranks];
    replayEndpoints = new String[ranks];
    for (int k = 0; k < ranks; k++) {
      pubs[k] = zmq.createSocket(SocketType.PUB);
      pubs[k].setLinger(0);
      pubPorts[k] = pubs[k].bindToRandomPort("tcp://127.0.0.1");
      rings.add(new ConcurrentHashMap<>());
    }
    List<Integer> replayRanks = new ArrayList<>();
    for (int k = 0; k < ranks; k++) {
      if (withReplay[k]) {
        replayRanks.add(k);
      }
    }
    if (!replayRanks.isEmpty()) {
      CompletableFuture<int[]> bound = new CompletableFuture<>();
      replayThread = new Thread(() -> serveReplay(replayRanks, bound), "fake-vllm-replay");
      replayThread.start();
      int[] ports = bound.get(5, TimeUnit.SECONDS);
      for (int i = 0; i < ports.length; i++) {
        replayEndpoints[replayRanks.get(i)] = "tcp://127.0.0.1:" + ports[i];
      }
    }
  }

  /** The KV event endpoint of {@code rank}. */
  public String eventsEndpoint(int rank) {
    return "tcp://127.0.0.1:" + pubPorts[rank];
  }

  /** Every rank's event endpoint in rank order, comma-separated (the agent's {@code --engine-events-endpoint}). */
  public String eventsEndpoints() {
    List<String> all = new ArrayList<>();
    for (int k = 0; k < pubs.length; k++) {
      all.add(eventsEndpoint(k));
    }
    return String.join(",", all);
  }

  /** The agent's {@code --engine-replay-endpoint}: one element per rank, empty for a rank without replay. */
  public String replayEndpoints() {
    List<String> all = new ArrayList<>();
    for (String e : replayEndpoints) {
      all.add(e == null ? "" : e);
    }
    return String.join(",", all);
  }

  /** Sends a batch on {@code rank}'s PUB and keeps it for replay. */
  public void publish(int rank, long seq, byte[] payload) {
    rings.get(rank).put(seq, payload);
    send(rank, KvFrames.seqBytes(seq), payload);
  }

  /** Sends raw frames on {@code rank}'s PUB: {@code [topic ""] + frames} (for malformed messages). */
  public void send(int rank, byte[]... frames) {
    pubs[rank].sendMore("");
    for (int i = 0; i < frames.length; i++) {
      if (i < frames.length - 1) {
        pubs[rank].sendMore(frames[i]);
      } else {
        pubs[rank].send(frames[i], 0);
      }
    }
  }

  /** Keeps a batch for replay without sending it: lost on the wire. */
  public void lose(int rank, long seq, byte[] payload) {
    rings.get(rank).put(seq, payload);
  }

  /** Forgets every batch of {@code rank} (the engine restarted). */
  public void forget(int rank) {
    rings.get(rank).clear();
  }

  /** Closes {@code rank}'s PUB socket (the engine process went away). */
  public void closeEvents(int rank) {
    pubs[rank].close();
  }

  /** Binds {@code rank}'s PUB socket again on the same port (the engine came back). */
  public void reopenEvents(int rank) {
    pubs[rank] = zmq.createSocket(SocketType.PUB);
    pubs[rank].setLinger(0);
    pubs[rank].bind(eventsEndpoint(rank));
  }

  /** The next {@code n} replay requests get no answer at all. */
  public void ignoreReplayRequests(int n) {
    ignored.set(n);
  }

  /** The start seq of every replay request received, in order. */
  public List<Long> replayRequests() {
    return List.copyOf(replayRequests);
  }

  private void serveReplay(List<Integer> ranks, CompletableFuture<int[]> bound) {
    ZMQ.Socket[] routers = new ZMQ.Socket[ranks.size()];
    int[] ports = new int[ranks.size()];
    ZMQ.Poller poller = zmq.createPoller(ranks.size());
    for (int i = 0; i < routers.length; i++) {
      routers[i] = zmq.createSocket(SocketType.ROUTER);
      routers[i].setLinger(0);
      ports[i] = routers[i].bindToRandomPort("tcp://127.0.0.1");
      poller.register(routers[i], ZMQ.Poller.POLLIN);
    }
    bound.complete(ports);
    try {
      while (!stopped) {
        if (poller.poll(50) <= 0) {
          continue;
        }
        for (int i = 0; i < routers.length; i++) {
          if (poller.pollin(i)) {
            answer(routers[i], rings.get(ranks.get(i)));
          }
        }
      }
    } finally {
      poller.close();
      for (ZMQ.Socket r : routers) {
        r.close();
      }
    }
  }

  private void answer(ZMQ.Socket router, Map<Long, byte[]> ring) {
    byte[] identity = router.recv(0);
    byte[] last = identity;
    while (router.hasReceiveMore()) {
      last = router.recv(0);
    }
    long start = ByteBuffer.wrap(last).getLong();
    replayRequests.add(start);
    if (ignored.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
      return;
    }
    for (long s = start; ring.containsKey(s); s++) {
      replayFrame(router, identity, s, ring.get(s));
    }
    replayFrame(router, identity, -1, new byte[0]);
  }

  private static void replayFrame(ZMQ.Socket router, byte[] identity, long seq, byte[] payload) {
    router.sendMore(identity);
    router.sendMore(new byte[0]);
    router.sendMore(KvFrames.seqBytes(seq));
    router.send(payload, 0);
  }

  @Override
  public void close() throws InterruptedException {
    stopped = true;
    if (replayThread != null) {
      replayThread.join(2000);
    }
    zmq.close();
  }
}

package io.kvroute.agent.engine;

import io.kvroute.agent.AgentMetrics;
import io.kvroute.agent.events.KvEventLog;
import io.kvroute.common.codec.DecodeException;
import io.kvroute.common.codec.KvFrames;
import io.kvroute.common.codec.KvPayloadDecoder;
import io.kvroute.common.codec.LoadMetrics;
import io.kvroute.common.event.KvEvent;
import io.kvroute.common.event.KvEventBatch;
import it.unimi.dsi.fastutil.ints.IntAVLTreeSet;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import org.msgpack.core.MessageFormat;
import org.msgpack.core.MessagePack;
import org.msgpack.core.MessageUnpacker;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.zeromq.SocketType;
import org.zeromq.ZContext;
import org.zeromq.ZMQ;

/**
 * The {@code zmq} engine adapter (DESIGN §3, reference notes §2.1-2.6): one SUB socket (subscribed to everything)
 * per data-parallel rank of an engine that publishes vLLM-format batches
 * {@code [topic, seq u64 BE, msgpack [ts, [events], dp_rank?]]} (element k of {@code --engine-events-endpoint} is
 * rank k, as Dynamo's per-rank ports). Payloads are converted by a {@link KvPayloadDecoder} per rank (tokens_hash
 * computed here, block-size and medium checks, counted drops); a batch's own {@code dp_rank} wins over its socket's
 * rank when present. Seqs are tracked per rank: a gap is counted and, when that rank has a replay endpoint, repaired
 * through a DEALER ({@code [empty, start_seq]} → {@code [empty, seq, payload]}... until an empty payload; a request
 * that gets no answer in time, lost or never answered by the engine, is asked again from the first seq still missing
 * on a fresh DEALER, at most {@link #REPLAY_ATTEMPTS} times); a
 * repeated seq is a duplicate; a seq going back means that rank restarted, which publishes {@code cleared} for the
 * dp ranks it fed (and a restart whose first seq is above 0 is a gap from 0).
 *
 * <p>Liveness: a PUB socket says nothing while an idle engine has nothing to publish, so silence is not a signal.
 * With a health URL ({@link EngineHttpProbe}) the engine is up while it answers 2xx. Without one it is up while
 * every SUB socket is connected: a socket monitor reports the ZMTP handshake with the publisher (connected) and the
 * connection's loss (the engine process died or closed its socket). {@link #ready()} additionally needs every
 * subscription connected, but no event: an idle engine is ready. The load comes from the engine's Prometheus gauges
 * when {@code --engine-metrics-url} is set and scraped, else from the agent's own count of proxied requests.
 * All sockets live on this adapter's thread; the HTTP probes on the probe's.
 */
public final class ZmqAdapter implements EngineAdapter {

  private static final Logger LOG = LoggerFactory.getLogger(ZmqAdapter.class);
  private static final int POLL_TIMEOUT_MS = 100;
  private static final long REDIAL_NANOS = 2_000_000_000L;
  /** Wait for each replayed message (the first one included) before the attempt is given up. */
  private static final int REPLAY_TIMEOUT_MS = 2000;
  /** Replay requests per gap: the first and the retries on a fresh DEALER. */
  static final int REPLAY_ATTEMPTS = 3;
  /** Messages read from one socket before looking at the others. */
  private static final int MAX_BURST = 1024;
  private static final AtomicInteger MONITORS = new AtomicInteger();

  private final List<RankStream> streams = new ArrayList<>();
  private final String generationUrl;
  private final KvEventLog log;
  private final AgentMetrics metrics;
  private final Supplier<LoadMetrics> proxyLoad;
  private final EngineHttpProbe probe;
  private final int replayTimeoutMs;
  private final ZContext context = new ZContext(1);
  private volatile boolean stopped;
  private volatile boolean seen;
  private Thread thread;

  /**
   * @param eventsEndpoints one PUB endpoint per dp rank, in rank order
   * @param replayEndpoints the replay endpoint of each rank (same size; null elements = none), or null = none
   * @param proxyLoad       the load to report while the engine's own gauges are unknown
   * @param probe           the engine's health / metrics probe (owned and closed by this adapter)
   */
  public ZmqAdapter(List<String> eventsEndpoints, List<String> replayEndpoints, String generationUrl, int blockSize,
      KvEventLog log, AgentMetrics metrics, Supplier<LoadMetrics> proxyLoad, EngineHttpProbe probe) {
    this(eventsEndpoints, replayEndpoints, generationUrl, blockSize, log, metrics, proxyLoad, probe,
        REPLAY_TIMEOUT_MS);
  }

  /** @param replayTimeoutMs wait for each replayed message before a replay attempt is given up (tests: shorter) */
  ZmqAdapter(List<String> eventsEndpoints, List<String> replayEndpoints, String generationUrl, int blockSize,
      KvEventLog log, AgentMetrics metrics, Supplier<LoadMetrics> proxyLoad, EngineHttpProbe probe,
      int replayTimeoutMs) {
    this.replayTimeoutMs = replayTimeoutMs;
    for (int k = 0; k < eventsEndpoints.size(); k++) {
      String replay = replayEndpoints == null || k >= replayEndpoints.size() ? null : replayEndpoints.get(k);
      streams.add(new RankStream(k, eventsEndpoints.get(k), replay == null || replay.isEmpty() ? null : replay,
          new KvPayloadDecoder(blockSize)));
    }
    this.generationUrl = generationUrl == null || generationUrl.isEmpty() ? null : generationUrl;
    this.log = log;
    this.metrics = metrics;
    this.proxyLoad = proxyLoad;
    this.probe = probe;
  }

  @Override
  public String kind() {
    return "zmq";
  }

  @Override
  public void start() {
    probe.start();
    thread = new Thread(this::run, "engine-zmq-sub");
    thread.setDaemon(true);
    thread.start();
  }

  /** Health URL answering 2xx when configured, else every SUB socket connected (see the class comment). */
  @Override
  public boolean engineUp() {
    return probe.checksHealth() ? probe.healthy() : subscribed();
  }

  /** Engine up and every subscription connected; no event needed (an idle engine publishes none). */
  @Override
  public boolean ready() {
    return engineUp() && subscribed();
  }

  /** Whether every rank's SUB socket has completed its handshake with the engine and not lost it since. */
  public boolean subscribed() {
    for (RankStream s : streams) {
      if (!s.connected) {
        return false;
      }
    }
    return !streams.isEmpty();
  }

  @Override
  public boolean eventsSeen() {
    return seen;
  }

  @Override
  public LoadMetrics load() {
    LoadMetrics engine = probe.load();
    return engine != null ? engine : proxyLoad.get();
  }

  @Override
  public String generationUrl() {
    return generationUrl;
  }

  @Override
  public void close() {
    stopped = true;
    probe.close();
    if (thread != null) {
      try {
        thread.join(3000);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    context.close();
  }

  /** One data-parallel rank's event stream; touched only by the adapter thread (except {@code connected}). */
  private static final class RankStream {
    final int rank;
    final String eventsEndpoint;
    final String replayEndpoint;
    final KvPayloadDecoder decoder;
    /** dp ranks this stream has published to (cleared when it restarts). */
    final IntAVLTreeSet ranksFed = new IntAVLTreeSet();
    ZMQ.Socket sub;
    ZMQ.Socket monitor;
    ZMQ.Socket dealer;
    long lastSeq = -1;
    long dialedAtNanos;
    volatile boolean connected;

    RankStream(int rank, String eventsEndpoint, String replayEndpoint, KvPayloadDecoder decoder) {
      this.rank = rank;
      this.eventsEndpoint = eventsEndpoint;
      this.replayEndpoint = replayEndpoint;
      this.decoder = decoder;
    }
  }

  private void open(RankStream s) {
    s.sub = context.createSocket(SocketType.SUB);
    s.sub.setRcvHWM(100_000);
    s.sub.setLinger(0);
    s.sub.subscribe(new byte[0]);
    // JeroMQ reports a completed ZMTP handshake as EVENT_HANDSHAKE_PROTOCOL (value = protocol version): a plain
    // TCP connect to something that is not a ZMQ publisher does not count.
    String monitorAddress = "inproc://zmq-adapter-monitor-" + MONITORS.incrementAndGet();
    s.sub.monitor(monitorAddress, ZMQ.EVENT_HANDSHAKE_PROTOCOL | ZMQ.EVENT_DISCONNECTED);
    s.monitor = context.createSocket(SocketType.PAIR);
    s.monitor.setLinger(0);
    s.monitor.connect(monitorAddress);
    s.sub.connect(s.eventsEndpoint);
    s.dialedAtNanos = System.nanoTime();
    if (s.replayEndpoint != null) {
      // Connected up front so that a replay request does not wait for the connection.
      openDealer(s);
    }
    LOG.info("event=engine_adapter_started kind=zmq rank={} endpoint={} replay={}", s.rank, s.eventsEndpoint,
        s.replayEndpoint);
  }

  /** A new DEALER to the rank's replay endpoint (closing the old one: its pending answers are discarded with it). */
  private void openDealer(RankStream s) {
    if (s.dealer != null) {
      s.dealer.close();
    }
    s.dealer = context.createSocket(SocketType.DEALER);
    s.dealer.setReceiveTimeOut(replayTimeoutMs);
    s.dealer.setSendTimeOut(replayTimeoutMs);
    s.dealer.setLinger(0);
    s.dealer.connect(s.replayEndpoint);
  }

  private void run() {
    ZMQ.Poller poller = null;
    try {
      poller = context.createPoller(2 * streams.size());
      for (RankStream s : streams) {
        open(s);
        poller.register(s.sub, ZMQ.Poller.POLLIN);
        poller.register(s.monitor, ZMQ.Poller.POLLIN);
      }
      while (!stopped) {
        poller.poll(POLL_TIMEOUT_MS);
        for (int k = 0; k < streams.size() && !stopped; k++) {
          RankStream s = streams.get(k);
          if (poller.pollin(2 * k + 1)) {
            onMonitorEvents(s);
          }
          if (poller.pollin(2 * k)) {
            drain(s);
          }
          redialIfSilent(s);
        }
      }
    } catch (RuntimeException e) {
      if (!stopped) {
        LOG.error("event=engine_adapter_failed kind=zmq error=\"{}\"", e.toString());
      }
    } finally {
      if (poller != null) {
        poller.close();
      }
      for (RankStream s : streams) {
        s.connected = false;
        for (ZMQ.Socket socket : new ZMQ.Socket[] {s.sub, s.monitor, s.dealer}) {
          if (socket != null) {
            socket.close();
          }
        }
      }
    }
  }

  /**
   * The monitor's pipe can attach after the first handshake event was emitted (JeroMQ drops monitor events nobody
   * is attached to yet), which would leave an idle engine's agent unready forever: while no handshake has been seen,
   * dial again every {@link #REDIAL_NANOS}, which yields a fresh handshake event once the publisher is there.
   */
  private void redialIfSilent(RankStream s) {
    long now = System.nanoTime();
    if (s.connected || now - s.dialedAtNanos - REDIAL_NANOS < 0) {
      return;
    }
    s.dialedAtNanos = now;
    s.sub.disconnect(s.eventsEndpoint);
    s.sub.connect(s.eventsEndpoint);
  }

  private void onMonitorEvents(RankStream s) {
    ZMQ.Event e;
    while ((e = ZMQ.Event.recv(s.monitor, ZMQ.DONTWAIT)) != null) {
      if (e.getEvent() == ZMQ.EVENT_HANDSHAKE_PROTOCOL) {
        if (!s.connected) {
          LOG.info("event=engine_subscribed kind=zmq rank={} endpoint={}", s.rank, s.eventsEndpoint);
        }
        s.connected = true;
      } else if (e.getEvent() == ZMQ.EVENT_DISCONNECTED) {
        if (s.connected) {
          LOG.warn("event=engine_disconnected kind=zmq rank={} endpoint={}", s.rank, s.eventsEndpoint);
        }
        s.connected = false;
      }
    }
  }

  private void drain(RankStream s) {
    for (int n = 0; n < MAX_BURST; n++) {
      byte[] first = s.sub.recv(ZMQ.DONTWAIT);
      if (first == null) {
        return;
      }
      List<byte[]> frames = rest(s.sub, first);
      try {
        onMessage(s, frames);
      } catch (RuntimeException e) {
        // A bug must not stop the subscriber: count it and keep going.
        metrics.dropped("internal_error");
        LOG.error("event=engine_message_failed kind=zmq rank={} error=\"{}\"", s.rank, e.toString());
      }
    }
  }

  private static List<byte[]> rest(ZMQ.Socket socket, byte[] first) {
    List<byte[]> frames = new ArrayList<>(3);
    frames.add(first);
    while (socket.hasReceiveMore()) {
      frames.add(socket.recv(0));
    }
    return frames;
  }

  private static List<byte[]> receive(ZMQ.Socket socket) {
    byte[] first = socket.recv(0);
    return first == null ? null : rest(socket, first);
  }

  private void onMessage(RankStream s, List<byte[]> frames) {
    KvFrames.Frame f;
    try {
      f = KvFrames.decode(frames);
    } catch (DecodeException e) {
      metrics.dropped("malformed_frames");
      LOG.warn("event=engine_message_dropped reason=malformed_frames rank={} error=\"{}\"", s.rank,
          e.getMessage());
      return;
    }
    long seq = f.seq();
    if (seq == s.lastSeq) {
      metrics.dropped("duplicate_seq");
      return;
    }
    boolean restarted = false;
    if (s.lastSeq >= 0 && seq < s.lastSeq) {
      // A publisher's seq only goes back when it restarted: its cache is gone.
      LOG.warn("event=engine_restart_detected kind=zmq rank={} last_seq={} seq={}", s.rank, s.lastSeq, seq);
      clearAll(s);
      s.lastSeq = -1;
      restarted = true;
    }
    long expected = restarted ? 0 : s.lastSeq + 1;
    if ((s.lastSeq >= 0 || restarted) && seq > expected) {
      long missing = seq - expected;
      metrics.engineGap(missing);
      LOG.warn("event=engine_seq_gap rank={} last_seq={} seq={} missing={} replay={}", s.rank, s.lastSeq, seq,
          missing, s.replayEndpoint != null);
      if (s.replayEndpoint != null) {
        replay(s, expected, seq);
      }
    }
    apply(s, f.payload());
    s.lastSeq = seq;
  }

  private void apply(RankStream s, byte[] payload) {
    seen = true;
    KvPayloadDecoder.Result r = s.decoder.decode(payload);
    for (KvPayloadDecoder.DroppedEvent d : r.droppedEvents()) {
      metrics.dropped(d.reason());
      LOG.warn("event=engine_event_dropped rank={} reason={} detail=\"{}\"", s.rank, d.reason(), d.detail());
    }
    if (!r.isOk()) {
      metrics.dropped(r.reason());
      LOG.warn("event=engine_batch_dropped rank={} reason={} detail=\"{}\"", s.rank, r.reason(), r.detail());
      return;
    }
    KvEventBatch batch = r.batch();
    for (KvEvent e : batch.events()) {
      metrics.eventIn(e.type());
    }
    if (batch.events().isEmpty()) {
      return;
    }
    // The decoder reports an absent dp_rank as 0: only then does the socket's rank apply.
    if (batch.dpRank() == 0 && s.rank != 0 && !hasDpRank(payload)) {
      batch = new KvEventBatch(batch.timestamp(), batch.events(), s.rank);
    }
    s.ranksFed.add(batch.dpRank());
    log.publish(batch);
  }

  /** Whether a (well-formed) batch carries a non-nil third element, its dp_rank. */
  static boolean hasDpRank(byte[] payload) {
    try (MessageUnpacker u = MessagePack.newDefaultUnpacker(payload)) {
      if (u.unpackArrayHeader() < 3) {
        return false;
      }
      u.skipValue();
      u.skipValue();
      return u.hasNext() && u.getNextFormat() != MessageFormat.NIL;
    } catch (IOException | RuntimeException e) {
      return false;
    }
  }

  private void clearAll(RankStream s) {
    s.ranksFed.add(s.rank);
    for (int rank : s.ranksFed.toIntArray()) {
      log.publish(new KvEventBatch(System.currentTimeMillis() / 1000.0, List.of(KvEvent.Cleared.INSTANCE), rank));
    }
    s.ranksFed.clear();
  }

  /**
   * Fetches and applies the batches {@code [from, until)} from the rank's replay socket. The request or its answer
   * can be lost (a DEALER's message queued on a connection that then broke, an engine that dropped it): an attempt
   * that hears nothing for the replay timeout ({@link #REPLAY_TIMEOUT_MS}) is given up and the request sent again,
   * from the first seq still missing, on a fresh DEALER (a late answer to the old one is discarded with it), at most
   * {@link #REPLAY_ATTEMPTS} times in all. Blocks this adapter's thread meanwhile; the SUB sockets buffer.
   */
  private void replay(RankStream s, long from, long until) {
    long next = from;
    int attempt = 0;
    try {
      while (!stopped && next < until && attempt < REPLAY_ATTEMPTS) {
        attempt++;
        if (attempt > 1) {
          metrics.replayRetry();
          LOG.warn("event=engine_replay_retry rank={} from={} attempt={}", s.rank, next, attempt);
          openDealer(s);
        }
        ReplayOutcome outcome = replayAttempt(s, next, until);
        next = outcome.next();
        if (outcome.ended()) {
          break;
        }
      }
    } catch (DecodeException | RuntimeException e) {
      LOG.warn("event=engine_replay_failed rank={} error=\"{}\"", s.rank, e.toString());
    }
    if (next < until) {
      metrics.dropped("replay_incomplete");
    }
    LOG.info("event=engine_replay_done rank={} from={} until={} recovered={} attempts={}", s.rank, from, until,
        next - from, attempt);
  }

  /** Where one replay attempt got to: the next seq still missing, and whether the engine ended its answer. */
  private record ReplayOutcome(long next, boolean ended) {
  }

  /** One request for {@code [from, until)}; applies what comes back in order. */
  private ReplayOutcome replayAttempt(RankStream s, long from, long until) throws DecodeException {
    long next = from;
    drainStale(s.dealer);
    if (!s.dealer.sendMore(new byte[0]) || !s.dealer.send(KvFrames.seqBytes(from), 0)) {
      LOG.warn("event=engine_replay_not_sent rank={} from={}", s.rank, from);
      return new ReplayOutcome(next, false);
    }
    while (!stopped) {
      List<byte[]> frames = receive(s.dealer);
      if (frames == null) {
        LOG.warn("event=engine_replay_timeout rank={} from={} next={}", s.rank, from, next);
        return new ReplayOutcome(next, false);
      }
      // [empty, seq, payload]; an empty payload ends the replay
      if (frames.size() != 3 || frames.get(1).length != KvFrames.SEQ_BYTES) {
        metrics.dropped("malformed_replay");
        return new ReplayOutcome(next, true);
      }
      if (frames.get(2).length == 0) {
        return new ReplayOutcome(next, true);
      }
      long seq = KvFrames.seq(frames.get(1));
      if (seq < next || seq >= until) {
        continue;
      }
      if (seq > next) {
        LOG.warn("event=engine_replay_incomplete rank={} expected={} got={}", s.rank, next, seq);
      }
      apply(s, frames.get(2));
      next = seq + 1;
    }
    return new ReplayOutcome(next, true);
  }

  /** Discards leftovers of an earlier replay that timed out, so answers are not mixed up. */
  private void drainStale(ZMQ.Socket dealer) {
    while (dealer.recv(ZMQ.DONTWAIT) != null) {
      metrics.dropped("stale_replay_frame");
    }
  }
}

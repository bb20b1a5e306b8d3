package io.kvroute.agent.engine;

import io.kvroute.agent.AgentMetrics;
import io.kvroute.agent.events.KvEventLog;
import io.kvroute.common.codec.DecodeException;
import io.kvroute.common.codec.KvFrames;
import io.kvroute.common.codec.KvPayloadDecoder;
import io.kvroute.common.codec.LoadMetrics;
import io.kvroute.common.event.KvEvent;
import io.kvroute.common.event.KvEventBatch;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.zeromq.SocketType;
import org.zeromq.ZContext;
import org.zeromq.ZMQ;

/**
 * The {@code zmq} engine adapter (DESIGN §3, reference notes §2.1-2.6): a SUB socket (subscribed to everything)
 * on an engine that publishes vLLM-format batches {@code [topic, seq u64 BE, msgpack [ts, [events], dp_rank?]]}.
 * Payloads are converted by the shared {@link KvPayloadDecoder} (tokens_hash computed here, block-size and
 * medium checks, counted drops). Seqs are tracked: a gap is counted and, when a replay endpoint is configured,
 * repaired through a DEALER ({@code [empty, start_seq]} → {@code [empty, seq, payload]}... until an empty
 * payload); a repeated seq is a duplicate; a seq going back means the engine restarted, which publishes
 * {@code cleared} (and a restart whose first seq is above 0 is a gap from 0). Both sockets live
 * on this adapter's thread.
 */
public final class ZmqAdapter implements EngineAdapter {

  private static final Logger LOG = LoggerFactory.getLogger(ZmqAdapter.class);
  private static final int RECEIVE_TIMEOUT_MS = 100;
  private static final int REPLAY_TIMEOUT_MS = 2000;

  private final String eventsEndpoint;
  private final String replayEndpoint;
  private final String generationUrl;
  private final KvPayloadDecoder decoder;
  private final KvEventLog log;
  private final AgentMetrics metrics;
  private final Supplier<LoadMetrics> loadSource;
  private final ZContext context = new ZContext(1);
  private volatile boolean stopped;
  private volatile boolean seen;
  private Thread thread;
  private long lastSeq = -1;
  private ZMQ.Socket dealer;
  private final java.util.Set<Integer> ranks = new java.util.TreeSet<>();

  public ZmqAdapter(String eventsEndpoint, String replayEndpoint, String generationUrl, int blockSize,
      KvEventLog log, AgentMetrics metrics, Supplier<LoadMetrics> loadSource) {
    this.eventsEndpoint = eventsEndpoint;
    this.replayEndpoint = replayEndpoint == null || replayEndpoint.isEmpty() ? null : replayEndpoint;
    this.generationUrl = generationUrl == null || generationUrl.isEmpty() ? null : generationUrl;
    this.decoder = new KvPayloadDecoder(blockSize);
    this.log = log;
    this.metrics = metrics;
    this.loadSource = loadSource;
  }

  @Override
  public String kind() {
    return "zmq";
  }

  @Override
  public void start() {
    thread = new Thread(this::run, "engine-zmq-sub");
    thread.setDaemon(true);
    thread.start();
  }

  /** A SUB socket cannot tell whether the publisher is alive: the engine counts as up. */
  @Override
  public boolean engineUp() {
    return true;
  }

  @Override
  public boolean eventsSeen() {
    return seen;
  }

  @Override
  public LoadMetrics load() {
    return loadSource.get();
  }

  @Override
  public String generationUrl() {
    return generationUrl;
  }

  @Override
  public void close() {
    stopped = true;
    if (thread != null) {
      try {
        thread.join(3000);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    context.close();
  }

  private void run() {
    ZMQ.Socket sub = context.createSocket(SocketType.SUB);
    sub.setReceiveTimeOut(RECEIVE_TIMEOUT_MS);
    sub.setRcvHWM(100_000);
    sub.setLinger(0);
    sub.subscribe(new byte[0]);
    sub.connect(eventsEndpoint);
    if (replayEndpoint != null) {
      // Connected up front so that a replay request does not wait for the connection.
      dealer = context.createSocket(SocketType.DEALER);
      dealer.setReceiveTimeOut(REPLAY_TIMEOUT_MS);
      dealer.setSendTimeOut(REPLAY_TIMEOUT_MS);
      dealer.setLinger(0);
      dealer.connect(replayEndpoint);
    }
    LOG.info("event=engine_adapter_started kind=zmq endpoint={} replay={}", eventsEndpoint, replayEndpoint);
    try {
      while (!stopped) {
        List<byte[]> frames = receive(sub);
        if (frames != null) {
          try {
            onMessage(frames);
          } catch (RuntimeException e) {
            // A bug must not stop the subscriber: count it and keep going.
            metrics.dropped("internal_error");
            LOG.error("event=engine_message_failed kind=zmq error=\"{}\"", e.toString());
          }
        }
      }
    } catch (RuntimeException e) {
      if (!stopped) {
        LOG.error("event=engine_adapter_failed kind=zmq error=\"{}\"", e.toString());
      }
    } finally {
      sub.close();
      if (dealer != null) {
        dealer.close();
      }
    }
  }

  private static List<byte[]> receive(ZMQ.Socket socket) {
    byte[] first = socket.recv(0);
    if (first == null) {
      return null;
    }
    List<byte[]> frames = new ArrayList<>(3);
    frames.add(first);
    while (socket.hasReceiveMore()) {
      frames.add(socket.recv(0));
    }
    return frames;
  }

  private void onMessage(List<byte[]> frames) {
    KvFrames.Frame f;
    try {
      f = KvFrames.decode(frames);
    } catch (DecodeException e) {
      metrics.dropped("malformed_frames");
      LOG.warn("event=engine_message_dropped reason=malformed_frames error=\"{}\"", e.getMessage());
      return;
    }
    long seq = f.seq();
    if (seq == lastSeq) {
      metrics.dropped("duplicate_seq");
      return;
    }
    boolean restarted = false;
    if (lastSeq >= 0 && seq < lastSeq) {
      // A publisher's seq only goes back when it restarted: its cache is gone.
      LOG.warn("event=engine_restart_detected kind=zmq last_seq={} seq={}", lastSeq, seq);
      clearAll();
      lastSeq = -1;
      restarted = true;
    }
    long expected = restarted ? 0 : lastSeq + 1;
    if ((lastSeq >= 0 || restarted) && seq > expected) {
      long missing = seq - expected;
      metrics.engineGap(missing);
      LOG.warn("event=engine_seq_gap last_seq={} seq={} missing={} replay={}", lastSeq, seq, missing,
          replayEndpoint != null);
      if (replayEndpoint != null) {
        replay(expected, seq);
      }
    }
    apply(f.payload());
    lastSeq = seq;
  }

  private void apply(byte[] payload) {
    seen = true;
    KvPayloadDecoder.Result r = decoder.decode(payload);
    for (KvPayloadDecoder.DroppedEvent d : r.droppedEvents()) {
      metrics.dropped(d.reason());
      LOG.warn("event=engine_event_dropped reason={} detail=\"{}\"", d.reason(), d.detail());
    }
    if (!r.isOk()) {
      metrics.dropped(r.reason());
      LOG.warn("event=engine_batch_dropped reason={} detail=\"{}\"", r.reason(), r.detail());
      return;
    }
    KvEventBatch batch = r.batch();
    for (KvEvent e : batch.events()) {
      metrics.eventIn(e.type());
    }
    if (!batch.events().isEmpty()) {
      ranks.add(batch.dpRank());
      log.publish(batch);
    }
  }

  private void clearAll() {
    ranks.add(0);
    for (int rank : ranks) {
      log.publish(new KvEventBatch(System.currentTimeMillis() / 1000.0, List.of(KvEvent.Cleared.INSTANCE), rank));
    }
    ranks.clear();
  }

  /** Fetches and applies the batches {@code [from, until)} from the engine's replay socket. */
  private void replay(long from, long until) {
    long next = from;
    try {
      drainStale();
      if (!dealer.sendMore(new byte[0]) || !dealer.send(KvFrames.seqBytes(from), 0)) {
        LOG.warn("event=engine_replay_failed error=\"replay request not sent\"");
        return;
      }
      while (!stopped) {
        List<byte[]> frames = receive(dealer);
        if (frames == null) {
          LOG.warn("event=engine_replay_timeout from={} next={}", from, next);
          break;
        }
        // [empty, seq, payload]; an empty payload ends the replay
        if (frames.size() != 3 || frames.get(1).length != KvFrames.SEQ_BYTES) {
          metrics.dropped("malformed_replay");
          break;
        }
        if (frames.get(2).length == 0) {
          break;
        }
        long seq = KvFrames.seq(frames.get(1));
        if (seq < next || seq >= until) {
          continue;
        }
        if (seq > next) {
          LOG.warn("event=engine_replay_incomplete expected={} got={}", next, seq);
        }
        apply(frames.get(2));
        next = seq + 1;
      }
    } catch (DecodeException | RuntimeException e) {
      LOG.warn("event=engine_replay_failed error=\"{}\"", e.toString());
    }
    LOG.info("event=engine_replay_done from={} until={} recovered={}", from, until, next - from);
  }

  /** Discards leftovers of an earlier replay that timed out, so answers are not mixed up. */
  private void drainStale() {
    while (dealer.recv(ZMQ.DONTWAIT) != null) {
      metrics.dropped("stale_replay_frame");
    }
  }
}

package io.kvroute.router;

import io.kvroute.common.codec.AgentBatchCodec;
import io.kvroute.common.codec.KvFrames;
import io.kvroute.common.codec.LoadMetrics;
import io.kvroute.common.codec.LoadMetricsCodec;
import io.kvroute.common.codec.RecoveryJson;
import io.kvroute.common.event.KvEvent;
import io.kvroute.common.event.KvEventBatch;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.zeromq.SocketType;
import org.zeromq.ZContext;
import org.zeromq.ZMQ;

/**
 * Stands in for an external KV-event publisher with the agent's wire contract (DESIGN §4): a ZMQ PUB of
 * {@code [worker id, seq, AgentBatchCodec payload]}, a metrics PUB, and the recovery endpoints
 * {@code /v1/kv/events?after=} and {@code /v1/kv/snapshot} (RecoveryJson) over a ring of published batches and a
 * block table. The test drives it: publish, drop messages on the wire, truncate the ring, restart.
 * Publishing happens on the test thread only (the PUB sockets' single owner).
 */
public final class FakeAgent implements AutoCloseable {

  private record Block(boolean hasParent, long parent, long tokensHash) {
  }

  private final String workerId;
  private final int blockSize;
  private final ZContext zmq = new ZContext(1);
  private final ZMQ.Socket pub;
  private final ZMQ.Socket metricsPub;
  private final int eventsPort;
  private final int metricsPort;
  private final HttpServer http;
  private final List<RecoveryJson.SeqBatch> ring = new ArrayList<>();
  private final Map<Long, Block> table = new LinkedHashMap<>();
  private long nextSeq;
  private int dropNext;
  private volatile boolean snapshotsFail;

  public FakeAgent(Vertx vertx, String workerId, int blockSize) {
    this.workerId = workerId;
    this.blockSize = blockSize;
    pub = zmq.createSocket(SocketType.PUB);
    pub.setLinger(0);
    eventsPort = pub.bindToRandomPort("tcp://127.0.0.1");
    metricsPub = zmq.createSocket(SocketType.PUB);
    metricsPub.setLinger(0);
    metricsPort = metricsPub.bindToRandomPort("tcp://127.0.0.1");
    http = vertx.createHttpServer().requestHandler(req -> {
      String path = req.path();
      if (path.equals("/v1/kv/events")) {
        long after = Long.parseLong(req.getParam("after"));
        String body;
        synchronized (this) {
          long oldest = ring.isEmpty() ? nextSeq : ring.get(0).seq();
          if (after + 1 < oldest) {
            req.response().setStatusCode(410).end("{\"error\":\"gone\"}");
            return;
          }
          List<RecoveryJson.SeqBatch> out = new ArrayList<>();
          for (RecoveryJson.SeqBatch b : ring) {
            if (b.seq() > after) {
              out.add(b);
            }
          }
          body = RecoveryJson.encodeEvents(new RecoveryJson.EventsPage(workerId, nextSeq - 1, out));
        }
        req.response().putHeader("content-type", "application/json").end(body);
      } else if (path.equals("/v1/kv/snapshot") && snapshotsFail) {
        req.response().setStatusCode(503).end();
      } else if (path.equals("/v1/kv/snapshot")) {
        req.response().putHeader("content-type", "application/json").end(snapshotJson());
      } else {
        req.response().setStatusCode(404).end();
      }
    }).listen(0, "127.0.0.1").await();
  }

  public String eventsEndpoint() {
    return "tcp://127.0.0.1:" + eventsPort;
  }

  public String metricsEndpoint() {
    return "tcp://127.0.0.1:" + metricsPort;
  }

  public String url() {
    return "http://127.0.0.1:" + http.actualPort();
  }

  /** Registration body as the agent sends it. */
  public String registration() {
    return registration(blockSize);
  }

  public String registration(int advertisedBlockSize) {
    return "{\"worker_id\":\"" + workerId + "\",\"url\":\"" + url() + "\",\"events_endpoint\":\""
        + eventsEndpoint() + "\",\"metrics_endpoint\":\"" + metricsEndpoint() + "\",\"block_size\":"
        + advertisedBlockSize + ",\"model\":\"test-model\"}";
  }

  /** The next {@code n} published batches are recorded (ring, table) but never sent: lost on the wire. */
  public synchronized void dropNext(int n) {
    dropNext = n;
  }

  /** Publishes one batch; returns its seq. */
  public long publish(KvEvent... events) {
    KvEventBatch batch = new KvEventBatch(System.currentTimeMillis() / 1000.0, List.of(events), 0);
    long seq;
    boolean send;
    synchronized (this) {
      seq = nextSeq++;
      ring.add(new RecoveryJson.SeqBatch(seq, batch));
      for (KvEvent e : events) {
        applyToTable(e);
      }
      send = dropNext <= 0;
      if (!send) {
        dropNext--;
      }
    }
    if (send) {
      pub.sendMore(workerId.getBytes(StandardCharsets.UTF_8));
      pub.sendMore(KvFrames.seqBytes(seq));
      pub.send(AgentBatchCodec.encode(batch));
    }
    return seq;
  }

  /** Publishes a raw payload with an explicit seq (bad input tests). */
  public void publishRaw(long seq, byte[] payload) {
    pub.sendMore(workerId.getBytes(StandardCharsets.UTF_8));
    pub.sendMore(KvFrames.seqBytes(seq));
    pub.send(payload);
  }

  public void publishMetrics(int waiting, double usage) {
    metricsPub.send(LoadMetricsCodec.encode(new LoadMetrics(waiting, usage, 0, 0, 0, workerId, 0.0)));
  }

  /** While true, {@code /v1/kv/snapshot} answers 503 (agent not reachable for recovery). */
  public void failSnapshots(boolean fail) {
    snapshotsFail = fail;
  }

  /** Forgets every ring entry: any replay request answers 410. */
  public synchronized void truncateRing() {
    ring.clear();
  }

  /** Agent restart: seq starts again from 0, table and ring empty. */
  public synchronized void restart() {
    ring.clear();
    table.clear();
    nextSeq = 0;
  }

  /** The block table: engine block hash → tokens (local) hash. */
  public synchronized Map<Long, Long> tableBlocks() {
    Map<Long, Long> out = new java.util.HashMap<>();
    table.forEach((k, v) -> out.put(k, v.tokensHash()));
    return out;
  }

  public synchronized int tableSize() {
    return table.size();
  }

  public synchronized long lastSeq() {
    return nextSeq - 1;
  }

  private void applyToTable(KvEvent e) {
    if (e instanceof KvEvent.Stored s) {
      boolean hasParent = s.hasParent();
      long parent = s.parentHash();
      for (int i = 0; i < s.size(); i++) {
        table.put(s.blockHashes()[i], new Block(hasParent, parent, s.tokensHashes()[i]));
        hasParent = true;
        parent = s.blockHashes()[i];
      }
    } else if (e instanceof KvEvent.Removed r) {
      for (long h : r.blockHashes()) {
        table.remove(h);
      }
    } else {
      table.clear();
    }
  }

  private synchronized String snapshotJson() {
    List<KvEvent> events = new ArrayList<>();
    for (Map.Entry<Long, Block> e : table.entrySet()) {
      Block b = e.getValue();
      long[] bh = {e.getKey()};
      long[] th = {b.tokensHash()};
      events.add(b.hasParent() ? KvEvent.Stored.under(b.parent(), bh, th) : KvEvent.Stored.root(bh, th));
    }
    List<KvEventBatch> ranks = events.isEmpty() ? List.of() : List.of(new KvEventBatch(0.0, events, 0));
    return RecoveryJson.encodeSnapshot(new RecoveryJson.Snapshot(workerId, nextSeq - 1, blockSize, ranks));
  }

  @Override
  public void close() {
    http.close().await();
    pub.close();
    metricsPub.close();
    zmq.close();
  }
}

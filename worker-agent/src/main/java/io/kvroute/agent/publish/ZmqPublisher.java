package io.kvroute.agent.publish;

import io.kvroute.agent.events.KvEventLog;
import io.kvroute.common.codec.KvFrames;
import io.kvroute.common.codec.LoadMetrics;
import io.kvroute.common.codec.LoadMetricsCodec;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.zeromq.SocketType;
import org.zeromq.ZContext;
import org.zeromq.ZMQ;

/**
 * The agent's two ZMQ PUB sockets (DESIGN §4), both owned by one dedicated thread:
 * <ul>
 *   <li>KV events on {@code kvPort}: frames {@code [worker id utf8, seq u64 BE, AgentBatchCodec payload]}, in the
 *   order {@link KvEventLog} hands them over;</li>
 *   <li>load metrics on {@code metricsPort}: one LoadMetrics JSON frame whenever the values change and at least
 *   every 100 ms.</li>
 * </ul>
 * Port 0 binds an ephemeral port; {@link #kvPort()} and {@link #metricsPort()} tell which.
 */
public final class ZmqPublisher implements KvEventLog.Sink, AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(ZmqPublisher.class);
  private static final long METRICS_PERIOD_NANOS = 100_000_000L;
  private static final int MAX_QUEUED = 200_000;

  private record Outgoing(long seq, byte[] payload) {
  }

  private final String bindHost;
  private final int requestedKvPort;
  private final int requestedMetricsPort;
  private final byte[] topic;
  private final String workerId;
  private final Supplier<LoadMetrics> load;
  private final LongSupplier nanoClock;
  private final LinkedBlockingQueue<Outgoing> queue = new LinkedBlockingQueue<>(MAX_QUEUED);
  private final CompletableFuture<int[]> bound = new CompletableFuture<>();
  private final ZContext context = new ZContext(1);
  private volatile boolean stopped;
  private volatile long droppedBatches;
  private Thread thread;
  private int kvPort;
  private int metricsPort;

  public ZmqPublisher(String bindHost, int kvPort, int metricsPort, String workerId, Supplier<LoadMetrics> load) {
    this(bindHost, kvPort, metricsPort, workerId, load, System::nanoTime);
  }

  /** @param nanoClock the time the 100 ms metrics period is measured on (tests: a clock they move by hand) */
  ZmqPublisher(String bindHost, int kvPort, int metricsPort, String workerId, Supplier<LoadMetrics> load,
      LongSupplier nanoClock) {
    this.nanoClock = nanoClock;
    this.bindHost = bindHost;
    this.requestedKvPort = kvPort;
    this.requestedMetricsPort = metricsPort;
    this.workerId = workerId;
    this.topic = workerId.getBytes(StandardCharsets.UTF_8);
    this.load = load;
  }

  /** Starts the thread and waits until both sockets are bound. */
  public ZmqPublisher start() {
    thread = new Thread(this::run, "zmq-publisher-" + workerId);
    thread.setDaemon(true);
    thread.start();
    try {
      int[] ports = bound.get(10, TimeUnit.SECONDS);
      kvPort = ports[0];
      metricsPort = ports[1];
    } catch (Exception e) {
      close();
      throw new IllegalStateException("cannot bind the ZMQ publishers: " + e.getMessage(), e);
    }
    return this;
  }

  public int kvPort() {
    return kvPort;
  }

  public int metricsPort() {
    return metricsPort;
  }

  /** Batches dropped because the publishing thread fell too far behind (subscribers will see a seq gap). */
  public long droppedBatches() {
    return droppedBatches;
  }

  @Override
  public void send(long seq, byte[] payload) {
    if (!queue.offer(new Outgoing(seq, payload))) {
      droppedBatches++;
    }
  }

  private int bind(ZMQ.Socket s, int port) {
    String host = "0.0.0.0".equals(bindHost) ? "*" : bindHost;
    if (port == 0) {
      return s.bindToRandomPort("tcp://" + host);
    }
    s.bind("tcp://" + host + ":" + port);
    return port;
  }

  private void run() {
    ZMQ.Socket kv;
    ZMQ.Socket metrics;
    try {
      kv = context.createSocket(SocketType.PUB);
      kv.setSndHWM(100_000);
      kv.setLinger(0);
      metrics = context.createSocket(SocketType.PUB);
      metrics.setLinger(0);
      int kp = bind(kv, requestedKvPort);
      int mp = bind(metrics, requestedMetricsPort);
      bound.complete(new int[] {kp, mp});
      LOG.info("event=zmq_bound kv_port={} metrics_port={}", kp, mp);
    } catch (RuntimeException e) {
      bound.completeExceptionally(e);
      return;
    }
    LoadMetrics lastSent = null;
    long lastSentAt = nanoClock.getAsLong() - METRICS_PERIOD_NANOS;
    try {
      while (!stopped) {
        try {
          Outgoing o = queue.poll(10, TimeUnit.MILLISECONDS);
          while (o != null) {
            kv.sendMore(topic);
            kv.sendMore(KvFrames.seqBytes(o.seq()));
            kv.send(o.payload(), 0);
            o = queue.poll();
          }
          long now = nanoClock.getAsLong();
          LoadMetrics m = load.get();
          if (m != null && (!m.equals(lastSent) || now - lastSentAt >= METRICS_PERIOD_NANOS)) {
            LoadMetrics stamped = new LoadMetrics(m.numWaitingReqs(), m.kvCacheUsage(), m.numRunningReqs(),
                m.kvUsedBlocks(), m.kvTotalBlocks(), workerId, System.currentTimeMillis() / 1000.0);
            metrics.send(LoadMetricsCodec.encode(stamped), 0);
            lastSent = m;
            lastSentAt = now;
          }
        } catch (RuntimeException e) {
          if (stopped) {
            break;
          }
          LOG.error("event=zmq_publish_failed error=\"{}\"", e.toString());
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } finally {
      kv.close();
      metrics.close();
    }
  }

  @Override
  public void close() {
    stopped = true;
    if (thread != null) {
      try {
        thread.join(2000);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    context.close();
  }
}

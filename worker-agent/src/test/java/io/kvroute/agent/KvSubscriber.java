package io.kvroute.agent;

import io.kvroute.common.codec.AgentBatchCodec;
import io.kvroute.common.codec.KvFrames;
import io.kvroute.common.codec.LoadMetrics;
import io.kvroute.common.codec.LoadMetricsCodec;
import io.kvroute.common.codec.RecoveryJson.SeqBatch;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.LongPredicate;
import java.util.function.Predicate;
import org.zeromq.SocketType;
import org.zeromq.ZContext;
import org.zeromq.ZMQ;

/** A test subscriber of an agent's KV and metrics PUB sockets, on its own thread (as a router would). */
public final class KvSubscriber implements AutoCloseable {

  private final ZContext context = new ZContext(1);
  private final List<SeqBatch> batches = new CopyOnWriteArrayList<>();
  private final List<String> topics = new CopyOnWriteArrayList<>();
  private final List<LoadMetrics> load = new CopyOnWriteArrayList<>();
  private final Thread thread;
  private volatile boolean stopped;
  /** Why the subscriber thread ended early, reported by the waits instead of a bare timeout. */
  private volatile Throwable failure;

  private final LongPredicate lost;

  public KvSubscriber(int kvPort, int metricsPort) {
    this(kvPort, metricsPort, seq -> false);
  }

  /** A subscriber that drops the KV batches whose seq matches {@code lost}, as if they were lost on the wire. */
  public KvSubscriber(int kvPort, int metricsPort, LongPredicate lost) {
    this.lost = lost;
    thread = new Thread(() -> run(kvPort, metricsPort), "test-kv-sub");
    thread.setDaemon(true);
    thread.start();
  }

  private void run(int kvPort, int metricsPort) {
    ZMQ.Socket kv = context.createSocket(SocketType.SUB);
    kv.subscribe(new byte[0]);
    kv.connect("tcp://127.0.0.1:" + kvPort);
    ZMQ.Socket metrics = context.createSocket(SocketType.SUB);
    metrics.subscribe(new byte[0]);
    metrics.connect("tcp://127.0.0.1:" + metricsPort);
    ZMQ.Poller poller = context.createPoller(2);
    poller.register(kv, ZMQ.Poller.POLLIN);
    poller.register(metrics, ZMQ.Poller.POLLIN);
    try {
      while (!stopped) {
        if (poller.poll(50) <= 0) {
          continue;
        }
        if (poller.pollin(0)) {
          List<byte[]> frames = new ArrayList<>();
          frames.add(kv.recv(0));
          while (kv.hasReceiveMore()) {
            frames.add(kv.recv(0));
          }
          KvFrames.Frame f = KvFrames.decode(frames);
          if (!lost.test(f.seq())) {
            topics.add(f.topic());
            batches.add(new SeqBatch(f.seq(), AgentBatchCodec.decode(f.payload())));
          }
        }
        if (poller.pollin(1)) {
          load.add(LoadMetricsCodec.decode(metrics.recv(0)));
        }
      }
    } catch (Exception | Error e) {
      if (!stopped) {
        failure = e;
        System.err.println("test-kv-sub failed: " + e);
      }
    } finally {
      poller.close();
      kv.close();
      metrics.close();
    }
  }

  public List<SeqBatch> batches() {
    return List.copyOf(batches);
  }

  public List<String> topics() {
    return List.copyOf(topics);
  }

  public List<LoadMetrics> load() {
    return List.copyOf(load);
  }

  /** Waits (polling, bounded) until some received batch satisfies {@code p}. */
  public SeqBatch await(Predicate<SeqBatch> p, long timeoutMs) throws InterruptedException {
    long deadline = System.nanoTime() + timeoutMs * 1_000_000L;
    while (System.nanoTime() - deadline < 0) {
      for (SeqBatch b : batches) {
        if (p.test(b)) {
          return b;
        }
      }
      Thread.sleep(10);
    }
    throw new AssertionError("no matching batch within " + timeoutMs + " ms; got " + batches + state(), failure);
  }

  /** Waits until at least one load message arrived. */
  public LoadMetrics awaitLoad(Predicate<LoadMetrics> p, long timeoutMs) throws InterruptedException {
    long deadline = System.nanoTime() + timeoutMs * 1_000_000L;
    while (System.nanoTime() - deadline < 0) {
      for (LoadMetrics m : load) {
        if (p.test(m)) {
          return m;
        }
      }
      Thread.sleep(10);
    }
    throw new AssertionError("no matching load message within " + timeoutMs + " ms; got " + load + state(),
        failure);
  }

  private String state() {
    return failure != null ? "; the subscriber thread failed: " + failure
        : thread.isAlive() ? "; the subscriber thread is running" : "; the subscriber thread ended";
  }

  @Override
  public void close() {
    stopped = true;
    try {
      thread.join(2000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    context.close();
  }
}

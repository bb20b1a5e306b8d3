package io.kvroute.router.ingest;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.Pipe;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.zeromq.SocketType;
import org.zeromq.ZContext;
import org.zeromq.ZMQ;

/**
 * One thread that owns a set of ZMQ SUB sockets. Every readable socket is drained completely each turn (never one
 * message per tick). Other threads reach the loop only through {@link #execute}, which queues a command and wakes
 * the poller through a pipe; sockets are created, used and closed on the loop thread only.
 *
 * <p>The loop waits on one NIO selector on which each socket's {@code ZMQ_FD} is registered once. JeroMQ's pollers
 * rebuild their registrations on every call (a map, iterators and, for ZPoller, streams and sets per poll): with a
 * wake-up per published message that was most of the router's garbage. {@code ZMQ_FD} signals only that the socket
 * has commands to process, so a woken socket is drained until {@code recv} finds nothing, which re-arms the signal
 * for the next message; every socket is also drained on each tick. Ready keys are handed to a callback instead of
 * the selected-key set, whose entries and iterator were allocated on every wake-up.
 */
public final class SubscriberLoop implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(SubscriberLoop.class);
  private static final int MAX_FRAMES = 16;
  /**
   * A connection whose ZMTP handshake has not completed by then is dropped and dialled again. JeroMQ's default is
   * 30 s, and a connection that the publisher never greets does happen (seen about once in ten subscriptions in a
   * busy test JVM: TCP up, no greeting): the subscription then hears nothing, and looks like an idle publisher.
   */
  static final int HANDSHAKE_IVL_MS = 2_000;

  /** Receives one complete multipart message on the loop thread. */
  public interface MessageHandler {
    void onMessage(List<byte[]> frames);
  }

  private final String name;
  private final long tickMillis;
  private final Runnable onTick;
  private final ZContext zmq = new ZContext(1);
  private final ConcurrentLinkedQueue<Runnable> commands = new ConcurrentLinkedQueue<>();
  /** Walked by index (no iterator per sweep, and a handler may subscribe or unsubscribe meanwhile); a few entries. */
  private final List<Subscription> subscriptions = new ArrayList<>();
  private final Pipe wakeup;
  private final Thread thread;
  private final CountDownLatch stopped = new CountDownLatch(1);
  private volatile boolean running = true;
  private Selector selector;
  /** Loop thread only: where the wake-up pipe is read into. */
  private final ByteBuffer wakeupSink = ByteBuffer.allocate(256);
  private final Consumer<SelectionKey> onReady = this::onReady;

  /** A subscribed socket, its key, and where its messages go; the attachment of the socket's selection key. */
  private record Subscription(String key, ZMQ.Socket socket, MessageHandler handler, SelectionKey watch) {
  }

  /**
   * @param onTick run on the loop thread after every turn and at least every {@code tickMillis} (timers, retries)
   */
  public SubscriberLoop(String name, long tickMillis, Runnable onTick) {
    this.name = name;
    this.tickMillis = tickMillis;
    this.onTick = onTick;
    try {
      this.wakeup = Pipe.open();
      wakeup.source().configureBlocking(false);
      // Never block a caller: a full pipe already guarantees a wake-up.
      wakeup.sink().configureBlocking(false);
    } catch (IOException e) {
      throw new IllegalStateException("cannot open wake-up pipe", e);
    }
    this.thread = new Thread(this::run, name);
    thread.setDaemon(true);
  }

  public SubscriberLoop start() {
    thread.start();
    return this;
  }

  /** Runs {@code command} on the loop thread (FIFO). Safe from any thread. */
  public void execute(Runnable command) {
    commands.add(command);
    try {
      wakeup.sink().write(ByteBuffer.wrap(new byte[] {1}));
    } catch (IOException e) {
      // The loop is closing; the command will never run, which is what closing means.
    }
  }

  /** True when called on the loop thread. */
  public boolean onLoopThread() {
    return Thread.currentThread() == thread;
  }

  /**
   * Loop thread only: opens a SUB socket connected to {@code endpoint}, subscribed to everything, and dispatches its
   * messages to {@code handler}. {@code conflate} keeps only the latest message (single-frame streams only).
   */
  public void subscribe(String key, String endpoint, boolean conflate, MessageHandler handler) {
    unsubscribe(key);
    ZMQ.Socket socket = zmq.createSocket(SocketType.SUB);
    socket.setLinger(0);
    socket.setReceiveBufferSize(1 << 20);
    socket.setRcvHWM(100_000);
    socket.setHandshakeIvl(HANDSHAKE_IVL_MS);
    if (conflate) {
      socket.setConflate(true);
    }
    socket.subscribe(ZMQ.SUBSCRIPTION_ALL);
    socket.connect(endpoint);
    SelectionKey watch;
    try {
      watch = socket.getFD().register(selector, SelectionKey.OP_READ);
    } catch (ClosedChannelException e) {
      socket.close();
      throw new IllegalStateException("cannot watch the socket for " + endpoint, e);
    }
    Subscription sub = new Subscription(key, socket, handler, watch);
    watch.attach(sub);
    subscriptions.add(sub);
    drain(sub);
    LOG.info("subscribed loop={} key={} endpoint={} conflate={}", name, key, endpoint, conflate);
  }

  /** Loop thread only: closes the socket registered under {@code key}, if any. */
  public void unsubscribe(String key) {
    for (int i = 0; i < subscriptions.size(); i++) {
      Subscription sub = subscriptions.get(i);
      if (sub.key().equals(key)) {
        subscriptions.remove(i);
        sub.watch().cancel();
        sub.socket().close();
        LOG.info("unsubscribed loop={} key={}", name, key);
        return;
      }
    }
  }

  private void drain(Subscription sub) {
    ZMQ.Socket socket = sub.socket();
    while (true) {
      byte[] first = socket.recv(ZMQ.DONTWAIT);
      if (first == null) {
        return;
      }
      List<byte[]> frames = new ArrayList<>(3);
      frames.add(first);
      while (socket.hasReceiveMore()) {
        byte[] next = socket.recv(0);
        if (frames.size() < MAX_FRAMES && next != null) {
          frames.add(next);
        }
      }
      try {
        sub.handler().onMessage(frames);
      } catch (RuntimeException e) {
        LOG.error("message handler failed loop={} error=\"{}\"", name, e.toString());
      }
    }
  }

  private void run() {
    long tickNanos = TimeUnit.MILLISECONDS.toNanos(tickMillis);
    long nextSweep = System.nanoTime();
    try {
      selector = Selector.open();
      wakeup.source().register(selector, SelectionKey.OP_READ);
      while (running) {
        runCommands();
        selector.select(onReady, tickMillis);
        runCommands();
        if (System.nanoTime() - nextSweep >= 0) {
          nextSweep = System.nanoTime() + tickNanos;
          for (int i = 0; i < subscriptions.size(); i++) {
            drain(subscriptions.get(i));
          }
        }
        try {
          onTick.run();
        } catch (RuntimeException e) {
          LOG.error("tick failed loop={} error=\"{}\"", name, e.toString());
        }
      }
    } catch (IOException | RuntimeException e) {
      if (running) {
        LOG.error("subscriber loop failed loop={} error=\"{}\"", name, e.toString(), e);
      }
    } finally {
      for (Subscription sub : subscriptions) {
        sub.socket().close();
      }
      subscriptions.clear();
      if (selector != null) {
        try {
          selector.close();
        } catch (IOException e) {
          // Closing anyway.
        }
      }
      zmq.close();
      stopped.countDown();
    }
  }

  private void onReady(SelectionKey key) {
    if (key.attachment() instanceof Subscription sub) {
      if (key.isValid()) {
        drain(sub);
      }
    } else {
      emptyWakeupPipe();
    }
  }

  private void emptyWakeupPipe() {
    try {
      while (wakeup.source().read(wakeupSink.clear()) > 0) {
        // Emptying the pipe; commands are taken from the queue.
      }
    } catch (IOException e) {
      // Pipe closed while stopping.
    }
  }

  private void runCommands() {
    Runnable c;
    while ((c = commands.poll()) != null) {
      try {
        c.run();
      } catch (RuntimeException e) {
        LOG.error("command failed loop={} error=\"{}\"", name, e.toString());
      }
    }
  }

  @Override
  public void close() {
    running = false;
    execute(() -> { });
    try {
      if (!stopped.await(5, TimeUnit.SECONDS)) {
        LOG.warn("subscriber loop did not stop in time loop={}", name);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    try {
      wakeup.sink().close();
      wakeup.source().close();
    } catch (IOException e) {
      // Already closed.
    }
  }
}

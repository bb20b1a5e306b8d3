package io.kvroute.router;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import org.zeromq.SocketType;
import org.zeromq.ZContext;
import org.zeromq.ZMQ;
import org.zeromq.ZMsg;

/**
 * A ZMQ relay between an agent's KV PUB socket and the router: forwards every multipart message unchanged, except
 * that it drops the next {@link #drop(int) n} messages. Both sockets live on the relay's own thread.
 */
final class LossyRelay implements AutoCloseable {

  private final ZContext zmq = new ZContext(1);
  private final AtomicInteger toDrop = new AtomicInteger();
  private final AtomicInteger dropped = new AtomicInteger();
  private final Thread thread;
  private final String endpoint;
  private volatile boolean running = true;

  LossyRelay(String upstream) throws InterruptedException {
    String[] bound = new String[1];
    CountDownLatch ready = new CountDownLatch(1);
    thread = new Thread(() -> {
      ZMQ.Socket sub = zmq.createSocket(SocketType.SUB);
      ZMQ.Socket pub = zmq.createSocket(SocketType.PUB);
      sub.subscribe(ZMQ.SUBSCRIPTION_ALL);
      sub.setReceiveTimeOut(50);
      sub.connect(upstream);
      bound[0] = "tcp://127.0.0.1:" + pub.bindToRandomPort("tcp://127.0.0.1");
      ready.countDown();
      while (running) {
        ZMsg msg = ZMsg.recvMsg(sub);
        if (msg == null) {
          continue;
        }
        if (toDrop.get() > 0 && toDrop.getAndDecrement() > 0) {
          dropped.incrementAndGet();
          msg.destroy();
        } else {
          msg.send(pub);
        }
      }
      sub.close();
      pub.close();
    }, "lossy-relay");
    thread.start();
    ready.await();
    endpoint = bound[0];
  }

  /** The relay's PUB endpoint (subscribe the router here). */
  String endpoint() {
    return endpoint;
  }

  /** Drops the next {@code n} messages (0: forward everything again). */
  void drop(int n) {
    toDrop.set(n);
  }

  int dropped() {
    return dropped.get();
  }

  @Override
  public void close() throws InterruptedException {
    running = false;
    thread.join(5_000);
    zmq.close();
  }
}

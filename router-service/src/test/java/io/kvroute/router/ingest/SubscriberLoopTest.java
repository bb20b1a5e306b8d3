package io.kvroute.router.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.zeromq.SocketType;
import org.zeromq.ZContext;
import org.zeromq.ZMQ;

/**
 * The loop against real PUB sockets on loopback. Its tick is an hour, so every delivery checked here comes from a
 * socket's wake-up signal alone: a lost wake-up leaves messages queued and the test times out.
 */
class SubscriberLoopTest {

  private static final long NO_TICK_MS = 3_600_000;

  private final ZContext pubs = new ZContext(1);
  private final SubscriberLoop loop = new SubscriberLoop("test-loop", NO_TICK_MS, () -> { }).start();

  @AfterEach
  void close() {
    loop.close();
    pubs.close();
  }

  @Test
  void shouldDeliverEveryMessageOfBurstsAndOfQuietSpellsWithoutATick() throws Exception {
    Publisher pub = new Publisher();
    Received got = subscribe("a", pub.endpoint);
    pub.awaitSubscribed(got);

    int sent = 0;
    for (int burst = 0; burst < 50; burst++) {
      int size = burst % 5 == 0 ? 500 : 1 + burst % 7;
      for (int i = 0; i < size; i++) {
        pub.send("m" + sent++);
      }
      // A quiet spell lets the loop drain, re-arm and sleep before the next burst.
      if (burst % 10 == 0) {
        got.awaitCount(sent);
      }
    }
    got.awaitCount(sent);
    List<String> expected = new ArrayList<>();
    for (int i = 0; i < sent; i++) {
      expected.add("m" + i);
    }
    assertThat(got.payloads()).containsExactlyElementsOf(expected);
    assertThat(got.frameCounts()).containsOnly(3);
  }

  @Test
  void shouldKeepEachSocketsMessagesApartAndStopDeliveringAfterUnsubscribe() throws Exception {
    Publisher pubA = new Publisher();
    Publisher pubB = new Publisher();
    Received gotA = subscribe("a", pubA.endpoint);
    Received gotB = subscribe("b", pubB.endpoint);
    pubA.awaitSubscribed(gotA);
    pubB.awaitSubscribed(gotB);

    for (int i = 0; i < 100; i++) {
      pubA.send("a" + i);
      pubB.send("b" + i);
    }
    gotA.awaitCount(100);
    gotB.awaitCount(100);
    assertThat(gotA.payloads()).allMatch(p -> p.startsWith("a")).hasSize(100);
    assertThat(gotB.payloads()).allMatch(p -> p.startsWith("b")).hasSize(100);

    onLoop(() -> loop.unsubscribe("a"));
    gotA.clear();
    gotB.clear();
    for (int i = 0; i < 10; i++) {
      pubA.send("late" + i);
      pubB.send("b" + i);
    }
    gotB.awaitCount(10);
    // Ordered after b's deliveries on the loop thread: a's late messages would have been drained by now.
    onLoop(() -> { });
    assertThat(gotA.payloads()).isEmpty();
  }

  @Test
  void shouldDeliverTheLatestMessageOfAConflatedSocketWithoutATick() throws Exception {
    Publisher pub = new Publisher();
    Received got = new Received();
    onLoop(() -> loop.subscribe("m", pub.endpoint, true, got::add));
    pub.awaitSubscribed(got, true);
    for (int i = 0; i < 30; i++) {
      String latest = "load" + i;
      for (int k = 0; k <= i % 4; k++) {
        pub.sendOneFrame(k == i % 4 ? latest : "stale" + i + "-" + k);
      }
      got.awaitLast(latest);
    }
    assertThat(got.frameCounts()).containsOnly(1);
  }

  @Test
  void shouldRunCommandsOnTheLoopThreadInOrder() throws Exception {
    List<Integer> order = new CopyOnWriteArrayList<>();
    List<Boolean> onLoopThread = new CopyOnWriteArrayList<>();
    CountDownLatch done = new CountDownLatch(100);
    for (int i = 0; i < 100; i++) {
      int n = i;
      loop.execute(() -> {
        order.add(n);
        onLoopThread.add(loop.onLoopThread());
        done.countDown();
      });
    }
    assertThat(done.await(10, TimeUnit.SECONDS)).isTrue();
    assertThat(order).isSorted().hasSize(100);
    assertThat(onLoopThread).containsOnly(true);
    assertThat(loop.onLoopThread()).isFalse();
  }

  private Received subscribe(String key, String endpoint) throws Exception {
    Received got = new Received();
    onLoop(() -> loop.subscribe(key, endpoint, false, got::add));
    return got;
  }

  private void onLoop(Runnable r) throws Exception {
    CompletableFuture<Void> done = new CompletableFuture<>();
    loop.execute(() -> {
      try {
        r.run();
        done.complete(null);
      } catch (RuntimeException e) {
        done.completeExceptionally(e);
      }
    });
    done.get(10, TimeUnit.SECONDS);
  }

  /** A PUB socket bound to an ephemeral loopback port; sends three-frame messages from the test thread. */
  private final class Publisher {
    final ZMQ.Socket socket = pubs.createSocket(SocketType.PUB);
    final String endpoint;
    private long seq;

    Publisher() {
      socket.setSndHWM(1_000_000);
      int port = socket.bindToRandomPort("tcp://127.0.0.1");
      endpoint = "tcp://127.0.0.1:" + port;
    }

    void send(String payload) {
      socket.sendMore("topic");
      socket.sendMore(Long.toString(seq++));
      socket.send(payload.getBytes(StandardCharsets.UTF_8));
    }

    void sendOneFrame(String payload) {
      socket.send(payload.getBytes(StandardCharsets.UTF_8));
    }

    /** PUB drops messages until the subscription arrives: probe until one gets through. */
    void awaitSubscribed(Received got) throws InterruptedException {
      awaitSubscribed(got, false);
    }

    void awaitSubscribed(Received got, boolean oneFrame) throws InterruptedException {
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
      while (!got.probed) {
        assertThat(System.nanoTime() < deadline).as("subscription reached the publisher").isTrue();
        if (oneFrame) {
          sendOneFrame("probe");
        } else {
          send("probe");
        }
        Thread.sleep(20);
      }
    }
  }

  private static final class Received {
    private final List<String> payloads = new CopyOnWriteArrayList<>();
    private final List<Integer> frameCounts = new CopyOnWriteArrayList<>();
    /** Probes are noted here and kept out of the payloads (one may still be in flight when a test starts). */
    volatile boolean probed;

    void add(List<byte[]> frames) {
      String payload = new String(frames.get(frames.size() - 1), StandardCharsets.UTF_8);
      if (payload.equals("probe")) {
        probed = true;
        return;
      }
      frameCounts.add(frames.size());
      payloads.add(payload);
    }

    List<String> payloads() {
      return payloads;
    }

    List<Integer> frameCounts() {
      return frameCounts;
    }

    void clear() {
      payloads.clear();
      frameCounts.clear();
    }

    void awaitLast(String payload) throws InterruptedException {
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
      while (payloads.isEmpty() || !payloads.get(payloads.size() - 1).equals(payload)) {
        assertThat(System.nanoTime() < deadline).as("latest message %s delivered", payload).isTrue();
        Thread.sleep(5);
      }
    }

    void awaitCount(int n) throws InterruptedException {
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
      while (payloads.size() < n) {
        assertThat(System.nanoTime() < deadline).as("received %d of %d", payloads.size(), n).isTrue();
        Thread.sleep(5);
      }
    }
  }
}

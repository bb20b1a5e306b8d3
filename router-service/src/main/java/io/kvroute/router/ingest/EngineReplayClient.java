package io.kvroute.router.ingest;

import io.kvroute.common.codec.KvFrames;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.zeromq.SocketType;
import org.zeromq.ZContext;
import org.zeromq.ZMQ;

/**
 * Hop-1 replay from a raw vLLM/SGLang engine's ROUTER replay socket (reference notes §2.6). Every request runs on
 * this client's own thread with a fresh DEALER that is created, used and closed there: send
 * {@code [empty, start_seq (8 bytes BE)]}, receive {@code [empty, seq (8 bytes BE), payload]} until an empty
 * payload ends the replay. A request with no first reply within a second is asked again on a fresh DEALER; a
 * replay that does not end within the timeout fails (its DEALER is closed, so a late answer cannot leak into the
 * next request).
 */
final class EngineReplayClient implements AutoCloseable {

  /** One replayed message: its seq and raw payload (decoded on the ingest thread). */
  record SeqPayload(long seq, byte[] payload) {
  }

  /** Upper bound of messages taken from one replay (vLLM's ring holds 10,000 by default). */
  static final int MAX_MESSAGES = 100_000;

  private final long timeoutMs;
  private volatile boolean closed;
  private final ZContext zmq = new ZContext(1);
  private final ExecutorService thread = Executors.newSingleThreadExecutor(r -> {
    Thread t = new Thread(r, "kv-engine-replay");
    t.setDaemon(true);
    return t;
  });

  EngineReplayClient(long timeoutMs) {
    this.timeoutMs = timeoutMs;
  }

  /** The engine's buffered messages from {@code startSeq} on, in the order the engine sent them. */
  CompletableFuture<List<SeqPayload>> replayFrom(String endpoint, long startSeq) {
    return CompletableFuture.supplyAsync(() -> fetch(endpoint, startSeq), thread);
  }

  private List<SeqPayload> fetch(String endpoint, long startSeq) {
    long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMs);
    long firstReplyNanos = TimeUnit.MILLISECONDS.toNanos(Math.max(100, Math.min(1_000, timeoutMs / 4)));
    while (true) {
      List<SeqPayload> out = attempt(endpoint, startSeq, deadline, firstReplyNanos);
      if (out != null) {
        return out;
      }
      // No first reply in time (a request lost while the connection came up): a fresh DEALER asks again.
    }
  }

  /** One request on a fresh DEALER; null when no reply came within {@code firstReplyNanos} (retry). */
  private List<SeqPayload> attempt(String endpoint, long startSeq, long deadline, long firstReplyNanos) {
    ZMQ.Socket dealer = zmq.createSocket(SocketType.DEALER);
    try {
      dealer.setLinger(0);
      dealer.setReceiveTimeOut(50);
      dealer.connect(endpoint);
      dealer.sendMore(new byte[0]);
      dealer.send(KvFrames.seqBytes(startSeq));
      List<SeqPayload> out = new ArrayList<>();
      long firstReplyBy = System.nanoTime() + firstReplyNanos;
      boolean replied = false;
      while (true) {
        byte[] first = dealer.recv(0);
        if (first == null) {
          if (closed) {
            throw new IllegalStateException("closing");
          }
          long now = System.nanoTime();
          if (now - deadline > 0) {
            throw new IllegalStateException("engine replay from " + endpoint + " did not end within " + timeoutMs
                + " ms (" + out.size() + " messages received)");
          }
          if (!replied && now - firstReplyBy > 0) {
            return null;
          }
          continue;
        }
        replied = true;
        List<byte[]> frames = new ArrayList<>(3);
        frames.add(first);
        while (dealer.hasReceiveMore()) {
          byte[] next = dealer.recv(0);
          if (frames.size() < 8 && next != null) {
            frames.add(next);
          }
        }
        if (frames.size() != 3 || frames.get(0).length != 0 || frames.get(1).length != 8) {
          throw new IllegalStateException("engine replay from " + endpoint + ": malformed message of "
              + frames.size() + " frames");
        }
        if (frames.get(2).length == 0) {
          return out;
        }
        if (out.size() >= MAX_MESSAGES) {
          throw new IllegalStateException("engine replay from " + endpoint + " exceeds " + MAX_MESSAGES
              + " messages");
        }
        out.add(new SeqPayload(ByteBuffer.wrap(frames.get(1)).getLong(), frames.get(2)));
      }
    } finally {
      dealer.close();
    }
  }

  @Override
  public void close() {
    closed = true;
    thread.shutdown();
    try {
      thread.awaitTermination(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    zmq.close();
  }
}

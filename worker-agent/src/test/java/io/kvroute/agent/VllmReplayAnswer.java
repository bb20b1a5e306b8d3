package io.kvroute.agent;

import io.kvroute.common.codec.KvFrames;
import java.util.Map;
import org.zeromq.ZMQ;

/**
 * How a vLLM engine's replay ROUTER answers one request (reference notes §2.3): every buffered batch from the
 * requested seq on, as {@code [identity, "", seq, payload]}, then the end marker {@code [identity, "", -1, ""]}.
 * The test engines of the zmq adapter tests share it.
 */
public final class VllmReplayAnswer {

  private VllmReplayAnswer() {
  }

  /** Sends {@code ring[start..]} (consecutive seqs present in the ring) and the end marker to {@code identity}. */
  public static void send(ZMQ.Socket router, byte[] identity, Map<Long, byte[]> ring, long start) {
    for (long s = start; ring.containsKey(s); s++) {
      frame(router, identity, s, ring.get(s));
    }
    frame(router, identity, -1, new byte[0]);
  }

  private static void frame(ZMQ.Socket router, byte[] identity, long seq, byte[] payload) {
    router.sendMore(identity);
    router.sendMore(new byte[0]);
    router.sendMore(KvFrames.seqBytes(seq));
    router.send(payload, 0);
  }
}

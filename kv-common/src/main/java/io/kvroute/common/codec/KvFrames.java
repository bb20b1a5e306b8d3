package io.kvroute.common.codec;

import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * The 3-frame ZMQ message of a KV event stream (DESIGN §4, reference notes §2.1): {@code [topic, seq, payload]}
 * with {@code seq} a u64 as exactly 8 bytes big-endian. Anything else is malformed.
 */
public final class KvFrames {

  /** Number of frames of every KV event message. */
  public static final int FRAME_COUNT = 3;
  /** Length of the sequence frame. */
  public static final int SEQ_BYTES = 8;

  private KvFrames() {
  }

  /**
   * One decoded message: {@code topic} is the publisher's topic (the worker id on hop 2, often empty on hop 1),
   * {@code seq} the u64 sequence number (compare with {@link Long#compareUnsigned}), {@code payload} the msgpack
   * batch, not yet decoded.
   */
  public record Frame(String topic, long seq, byte[] payload) {
  }

  /** The 8-byte big-endian sequence frame. */
  public static byte[] seqBytes(long seq) {
    byte[] out = new byte[SEQ_BYTES];
    for (int i = 0; i < SEQ_BYTES; i++) {
      out[i] = (byte) (seq >>> (56 - 8 * i));
    }
    return out;
  }

  /** Reads an 8-byte big-endian sequence frame. */
  public static long seq(byte[] seqFrame) throws DecodeException {
    if (seqFrame == null || seqFrame.length != SEQ_BYTES) {
      throw new DecodeException("seq frame must be " + SEQ_BYTES + " bytes, got "
          + (seqFrame == null ? "null" : seqFrame.length));
    }
    long v = 0;
    for (int i = 0; i < SEQ_BYTES; i++) {
      v = (v << 8) | (seqFrame[i] & 0xff);
    }
    return v;
  }

  /** The three frames of a message, ready for a multipart send. */
  public static List<byte[]> encode(String topic, long seq, byte[] payload) {
    return List.of(topic.getBytes(StandardCharsets.UTF_8), seqBytes(seq), payload);
  }

  /** Decodes a received multipart message; exactly 3 frames with an 8-byte seq frame. */
  public static Frame decode(List<byte[]> frames) throws DecodeException {
    if (frames == null || frames.size() != FRAME_COUNT) {
      throw new DecodeException("expected " + FRAME_COUNT + " frames, got " + (frames == null ? 0 : frames.size()));
    }
    byte[] topic = frames.get(0);
    byte[] payload = frames.get(2);
    if (topic == null || payload == null) {
      throw new DecodeException("null frame");
    }
    return new Frame(new String(topic, StandardCharsets.UTF_8), seq(frames.get(1)), payload);
  }
}

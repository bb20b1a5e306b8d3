package io.kvroute.common.codec;

import java.io.IOException;
import java.io.UncheckedIOException;
import org.msgpack.core.MessageBufferPacker;
import org.msgpack.core.MessagePack;
import org.msgpack.core.MessagePacker;

/** msgpack-core helpers shared by the encoders. */
final class MsgpackWriting {

  private MsgpackWriting() {
  }

  /** A packer writing to memory; one per encode call (cheap: one growable buffer). */
  static MessageBufferPacker packer() {
    return MessagePack.DEFAULT_PACKER_CONFIG.withBufferSize(512).newBufferPacker();
  }

  /**
   * Packs a u64 held in a {@code long}: values below 2^63 in the smallest int format (what {@code packLong} does),
   * values at or above 2^63 (negative as a {@code long}) as msgpack uint64 (0xcf + 8 bytes big-endian).
   * {@code packLong} on a negative long would write int64 and change the number the peer sees.
   */
  static void packU64(MessagePacker packer, long value, byte[] scratch9) throws IOException {
    if (value >= 0) {
      packer.packLong(value);
      return;
    }
    scratch9[0] = (byte) 0xcf;
    for (int i = 0; i < 8; i++) {
      scratch9[1 + i] = (byte) (value >>> (56 - 8 * i));
    }
    packer.writePayload(scratch9, 0, 9);
  }

  static void packNullableString(MessagePacker packer, String s) throws IOException {
    if (s == null) {
      packer.packNil();
    } else {
      packer.packString(s);
    }
  }

  /** In-memory packing cannot fail with I/O; surface the impossible case as unchecked. */
  static UncheckedIOException impossible(IOException e) {
    return new UncheckedIOException("in-memory msgpack packing failed", e);
  }
}

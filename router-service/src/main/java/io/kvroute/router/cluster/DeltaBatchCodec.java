package io.kvroute.router.cluster;

import io.kvroute.common.codec.DecodeException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Binary form of a {@link DeltaBatch} (big-endian): {@code u8 version=1, str replicaId, i64 sentAtMillis,
 * i32 count, count × delta}; delta = {@code u8 kind, str requestId} and for {@code BOOKED}
 * {@code str workerId, i32 dpRank, i32 numTokens, i32 overlapBlocks, i32 n, n × i64 localHash}; str = {@code u16
 * length + UTF-8}. Decoding checks every length against the bytes left, so a corrupt batch fails with
 * {@link DecodeException} and never allocates more than its own size.
 */
public final class DeltaBatchCodec {

  static final int VERSION = 1;
  private static final LoadDelta.Kind[] KINDS = LoadDelta.Kind.values();

  private DeltaBatchCodec() {
  }

  public static byte[] encode(DeltaBatch batch) {
    List<LoadDelta> deltas = batch.deltas();
    byte[] replica = utf8(batch.replicaId());
    byte[][] ids = new byte[deltas.size()][];
    byte[][] workers = new byte[deltas.size()][];
    int size = 1 + 2 + replica.length + 8 + 4;
    for (int i = 0; i < ids.length; i++) {
      LoadDelta d = deltas.get(i);
      ids[i] = utf8(d.requestId());
      size += 1 + 2 + ids[i].length;
      if (d.kind() == LoadDelta.Kind.BOOKED) {
        workers[i] = utf8(d.workerId());
        size += 2 + workers[i].length + 16 + 8 * d.localHashes().length;
      }
    }
    ByteBuffer out = ByteBuffer.allocate(size);
    out.put((byte) VERSION);
    putString(out, replica);
    out.putLong(batch.sentAtMillis());
    out.putInt(ids.length);
    for (int i = 0; i < ids.length; i++) {
      LoadDelta d = deltas.get(i);
      out.put((byte) d.kind().ordinal());
      putString(out, ids[i]);
      if (d.kind() == LoadDelta.Kind.BOOKED) {
        putString(out, workers[i]);
        out.putInt(d.dpRank()).putInt(d.numTokens()).putInt(d.overlapBlocks());
        long[] h = d.localHashes();
        out.putInt(h.length);
        out.asLongBuffer().put(h);
        out.position(out.position() + 8 * h.length);
      }
    }
    return out.array();
  }

  public static DeltaBatch decode(byte[] payload) throws DecodeException {
    if (payload == null) {
      throw new DecodeException("null payload");
    }
    ByteBuffer in = ByteBuffer.wrap(payload);
    try {
      int version = in.get() & 0xff;
      if (version != VERSION) {
        throw new DecodeException("unknown delta batch version " + version);
      }
      String replicaId = readString(in, payload);
      long sentAt = in.getLong();
      int count = in.getInt();
      // Every delta takes at least 3 bytes: a count beyond that is corrupt, whatever it claims.
      if (count < 0 || count > in.remaining() / 3) {
        throw new DecodeException("delta count " + count + " exceeds the payload");
      }
      List<LoadDelta> deltas = new ArrayList<>(count);
      for (int i = 0; i < count; i++) {
        int k = in.get() & 0xff;
        if (k >= KINDS.length) {
          throw new DecodeException("unknown delta kind " + k);
        }
        String requestId = readString(in, payload);
        switch (KINDS[k]) {
          case BOOKED -> {
            String workerId = readString(in, payload);
            int dpRank = in.getInt();
            int numTokens = in.getInt();
            int overlap = in.getInt();
            int n = in.getInt();
            if (n < 0 || n > in.remaining() / 8) {
              throw new DecodeException("hash count " + n + " exceeds the payload");
            }
            if (dpRank < 0 || numTokens < 0 || overlap < 0 || workerId.isEmpty()) {
              throw new DecodeException("invalid booking of request " + requestId);
            }
            long[] hashes = new long[n];
            in.asLongBuffer().get(hashes);
            in.position(in.position() + 8 * n);
            deltas.add(LoadDelta.booked(requestId, workerId, dpRank, numTokens, overlap, hashes));
          }
          case PREFILL_DONE -> deltas.add(LoadDelta.prefillDone(requestId));
          case RELEASED -> deltas.add(LoadDelta.released(requestId));
          default -> throw new DecodeException("unknown delta kind " + k);
        }
      }
      if (in.hasRemaining()) {
        throw new DecodeException(in.remaining() + " trailing bytes");
      }
      return new DeltaBatch(replicaId, sentAt, deltas);
    } catch (java.nio.BufferUnderflowException e) {
      throw new DecodeException("truncated delta batch");
    }
  }

  private static byte[] utf8(String s) {
    byte[] b = s.getBytes(StandardCharsets.UTF_8);
    if (b.length > 0xffff) {
      throw new IllegalArgumentException("string too long for a delta: " + b.length + " bytes");
    }
    return b;
  }

  private static void putString(ByteBuffer out, byte[] b) {
    out.putShort((short) b.length);
    out.put(b);
  }

  private static String readString(ByteBuffer in, byte[] payload) throws DecodeException {
    int len = in.getShort() & 0xffff;
    if (len > in.remaining()) {
      throw new DecodeException("string length " + len + " exceeds the payload");
    }
    String s = new String(payload, in.position(), len, StandardCharsets.UTF_8);
    in.position(in.position() + len);
    return s;
  }
}

package io.kvroute.router.cluster;

import io.kvroute.common.codec.DecodeException;
import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
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
    int estimate = 32 + batch.replicaId().length();
    for (LoadDelta d : batch.deltas()) {
      estimate += 48 + d.requestId().length() + d.localHashes().length * 8;
    }
    ByteArrayOutputStream bytes = new ByteArrayOutputStream(estimate);
    try (DataOutputStream out = new DataOutputStream(bytes)) {
      out.writeByte(VERSION);
      writeString(out, batch.replicaId());
      out.writeLong(batch.sentAtMillis());
      out.writeInt(batch.deltas().size());
      for (LoadDelta d : batch.deltas()) {
        out.writeByte(d.kind().ordinal());
        writeString(out, d.requestId());
        if (d.kind() == LoadDelta.Kind.BOOKED) {
          writeString(out, d.workerId());
          out.writeInt(d.dpRank());
          out.writeInt(d.numTokens());
          out.writeInt(d.overlapBlocks());
          long[] h = d.localHashes();
          out.writeInt(h.length);
          for (long v : h) {
            out.writeLong(v);
          }
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e); // a ByteArrayOutputStream does not fail
    }
    return bytes.toByteArray();
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
            for (int j = 0; j < n; j++) {
              hashes[j] = in.getLong();
            }
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

  private static void writeString(DataOutputStream out, String s) throws IOException {
    byte[] b = s.getBytes(StandardCharsets.UTF_8);
    if (b.length > 0xffff) {
      throw new IllegalArgumentException("string too long for a delta: " + b.length + " bytes");
    }
    out.writeShort(b.length);
    out.write(b);
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

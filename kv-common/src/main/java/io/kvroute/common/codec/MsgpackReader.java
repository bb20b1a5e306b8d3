package io.kvroute.common.codec;

import java.nio.charset.StandardCharsets;

/**
 * A bounds-checked msgpack reader that works in place over a byte array.
 *
 * <p>Why not msgpack-core's {@code MessageUnpacker}: it throws unchecked exceptions on type mismatches, needs a
 * {@code BigInteger} for every uint64 above 2^63 (every second hash), and trusts declared lengths. Here every
 * declared length (array, map, str, bin, ext) is checked against the bytes that remain before anything is
 * allocated, integers of any msgpack width and sign are read straight into a {@code long} (bit reinterpretation,
 * as Dynamo's {@code BlockHashValue} does), skipping is iterative (no recursion on hostile nesting), and every
 * failure is a stackless {@link DecodeException}.
 *
 * <p>Not thread-safe; reusable through {@link #wrap(byte[])}.
 */
final class MsgpackReader {

  /** Coarse value kinds, enough to dispatch on. */
  enum Kind { NIL, BOOL, INT, FLOAT, STR, BIN, ARRAY, MAP, EXT, INVALID }

  private byte[] buf;
  private int pos;
  private int end;

  MsgpackReader() {
    this.buf = new byte[0];
  }

  MsgpackReader(byte[] bytes) {
    wrap(bytes);
  }

  MsgpackReader wrap(byte[] bytes) {
    this.buf = bytes;
    this.pos = 0;
    this.end = bytes.length;
    return this;
  }

  int position() {
    return pos;
  }

  void position(int position) {
    this.pos = position;
  }

  int remaining() {
    return end - pos;
  }

  boolean atEnd() {
    return pos >= end;
  }

  /** Kind of the next value without consuming it. */
  Kind peekKind() throws DecodeException {
    need(1, "value");
    return kindOf(buf[pos] & 0xff);
  }

  static Kind kindOf(int b) {
    if (b <= 0x7f || b >= 0xe0) {
      return Kind.INT;
    }
    if (b <= 0x8f) {
      return Kind.MAP;
    }
    if (b <= 0x9f) {
      return Kind.ARRAY;
    }
    if (b <= 0xbf) {
      return Kind.STR;
    }
    switch (b) {
      case 0xc0:
        return Kind.NIL;
      case 0xc2:
      case 0xc3:
        return Kind.BOOL;
      case 0xc4:
      case 0xc5:
      case 0xc6:
        return Kind.BIN;
      case 0xc7:
      case 0xc8:
      case 0xc9:
      case 0xd4:
      case 0xd5:
      case 0xd6:
      case 0xd7:
      case 0xd8:
        return Kind.EXT;
      case 0xca:
      case 0xcb:
        return Kind.FLOAT;
      case 0xcc:
      case 0xcd:
      case 0xce:
      case 0xcf:
      case 0xd0:
      case 0xd1:
      case 0xd2:
      case 0xd3:
        return Kind.INT;
      case 0xd9:
      case 0xda:
      case 0xdb:
        return Kind.STR;
      case 0xdc:
      case 0xdd:
        return Kind.ARRAY;
      case 0xde:
      case 0xdf:
        return Kind.MAP;
      default:
        return Kind.INVALID;
    }
  }

  /** Consumes a nil if one is next. */
  boolean tryNil() throws DecodeException {
    need(1, "value");
    if ((buf[pos] & 0xff) == 0xc0) {
      pos++;
      return true;
    }
    return false;
  }

  boolean readBool(String what) throws DecodeException {
    need(1, what);
    int b = buf[pos] & 0xff;
    if (b == 0xc2 || b == 0xc3) {
      pos++;
      return b == 0xc3;
    }
    throw unexpected(what, "bool", b);
  }

  /**
   * Any msgpack integer as 64 bits: unsigned values above 2^63 and negative signed values both land in the same
   * {@code long} bit pattern (u64 hashes are accepted signed or unsigned).
   */
  long readU64(String what) throws DecodeException {
    need(1, what);
    int b = buf[pos] & 0xff;
    if (b <= 0x7f) {
      pos++;
      return b;
    }
    if (b >= 0xe0) {
      pos++;
      return (byte) b;
    }
    switch (b) {
      case 0xcc:
        need(2, what);
        pos += 2;
        return buf[pos - 1] & 0xffL;
      case 0xcd:
        need(3, what);
        pos += 3;
        return u16(pos - 2);
      case 0xce:
        need(5, what);
        pos += 5;
        return u32(pos - 4);
      case 0xcf:
      case 0xd3:
        need(9, what);
        pos += 9;
        return i64(pos - 8);
      case 0xd0:
        need(2, what);
        pos += 2;
        return buf[pos - 1];
      case 0xd1:
        need(3, what);
        pos += 3;
        return (short) u16(pos - 2);
      case 0xd2:
        need(5, what);
        pos += 5;
        return (int) u32(pos - 4);
      default:
        throw unexpected(what, "integer", b);
    }
  }

  /** A signed integer that must fit in [min, max]; uint64 above 2^63 is out of range. */
  long readLongInRange(String what, long min, long max) throws DecodeException {
    need(1, what);
    boolean bigUnsigned = (buf[pos] & 0xff) == 0xcf;
    long v = readU64(what);
    if ((bigUnsigned && v < 0) || v < min || v > max) {
      throw new DecodeException(what + " out of range: " + (bigUnsigned ? Long.toUnsignedString(v) : v));
    }
    return v;
  }

  int readInt(String what) throws DecodeException {
    return (int) readLongInRange(what, Integer.MIN_VALUE, Integer.MAX_VALUE);
  }

  /** A u32 token id, returned as the int with the same bits. */
  int readU32(String what) throws DecodeException {
    return (int) readLongInRange(what, 0, 0xffff_ffffL);
  }

  /** A float32/float64, or an integer widened to double. */
  double readDouble(String what) throws DecodeException {
    need(1, what);
    int b = buf[pos] & 0xff;
    if (b == 0xcb) {
      need(9, what);
      pos += 9;
      return Double.longBitsToDouble(i64(pos - 8));
    }
    if (b == 0xca) {
      need(5, what);
      pos += 5;
      return Float.intBitsToFloat((int) u32(pos - 4));
    }
    if (kindOf(b) == Kind.INT) {
      boolean bigUnsigned = b == 0xcf;
      long v = readU64(what);
      return bigUnsigned && v < 0 ? (double) (v >>> 1) * 2.0 : (double) v;
    }
    throw unexpected(what, "number", b);
  }

  /** An array header whose element count is guaranteed to fit in the remaining bytes (≥ 1 byte per element). */
  int readArrayHeader(String what) throws DecodeException {
    need(1, what);
    int b = buf[pos] & 0xff;
    long n;
    if (b >= 0x90 && b <= 0x9f) {
      pos++;
      n = b & 0x0f;
    } else if (b == 0xdc) {
      need(3, what);
      pos += 3;
      n = u16(pos - 2);
    } else if (b == 0xdd) {
      need(5, what);
      pos += 5;
      n = u32(pos - 4);
    } else {
      throw unexpected(what, "array", b);
    }
    if (n > end - pos) {
      throw new DecodeException(what + ": array header claims " + n + " elements but only " + (end - pos)
          + " bytes remain");
    }
    return (int) n;
  }

  /** A map header whose entry count is guaranteed to fit in the remaining bytes (≥ 2 bytes per entry). */
  int readMapHeader(String what) throws DecodeException {
    need(1, what);
    int b = buf[pos] & 0xff;
    long n;
    if (b >= 0x80 && b <= 0x8f) {
      pos++;
      n = b & 0x0f;
    } else if (b == 0xde) {
      need(3, what);
      pos += 3;
      n = u16(pos - 2);
    } else if (b == 0xdf) {
      need(5, what);
      pos += 5;
      n = u32(pos - 4);
    } else {
      throw unexpected(what, "map", b);
    }
    if (2 * n > end - pos) {
      throw new DecodeException(what + ": map header claims " + n + " entries but only " + (end - pos)
          + " bytes remain");
    }
    return (int) n;
  }

  /** Reads a str header, checks the payload is present, and returns its length; the payload starts at position. */
  int readStringHeader(String what) throws DecodeException {
    need(1, what);
    int b = buf[pos] & 0xff;
    long n;
    if (b >= 0xa0 && b <= 0xbf) {
      pos++;
      n = b & 0x1f;
    } else if (b == 0xd9) {
      need(2, what);
      pos += 2;
      n = buf[pos - 1] & 0xff;
    } else if (b == 0xda) {
      need(3, what);
      pos += 3;
      n = u16(pos - 2);
    } else if (b == 0xdb) {
      need(5, what);
      pos += 5;
      n = u32(pos - 4);
    } else {
      throw unexpected(what, "string", b);
    }
    if (n > end - pos) {
      throw new DecodeException(what + ": string header claims " + n + " bytes but only " + (end - pos)
          + " remain");
    }
    return (int) n;
  }

  String readString(String what) throws DecodeException {
    int n = readStringHeader(what);
    String s = new String(buf, pos, n, StandardCharsets.UTF_8);
    pos += n;
    return s;
  }

  /** A string or nil (nil → null). */
  String readNullableString(String what) throws DecodeException {
    return tryNil() ? null : readString(what);
  }

  /**
   * Reads a string and returns the index of the equal entry of {@code candidates} (ASCII), or -1. A non-string
   * value is skipped and also yields -1 (used for map keys: unknown keys are ignored).
   */
  int readKey(byte[][] candidates) throws DecodeException {
    if (peekKind() != Kind.STR) {
      skip();
      return -1;
    }
    int n = readStringHeader("key");
    int start = pos;
    pos += n;
    for (int i = 0; i < candidates.length; i++) {
      byte[] c = candidates[i];
      if (c.length == n && regionEquals(start, c)) {
        return i;
      }
    }
    return -1;
  }

  /** Like {@link #readKey} but the value must be a string. */
  int readEnum(String what, byte[][] candidates) throws DecodeException {
    int n = readStringHeader(what);
    int start = pos;
    pos += n;
    for (int i = 0; i < candidates.length; i++) {
      byte[] c = candidates[i];
      if (c.length == n && regionEquals(start, c)) {
        return i;
      }
    }
    return -1;
  }

  /** True if the next value is a string starting with the given ASCII prefix (nothing consumed). */
  boolean peekStringStartsWith(byte[] prefix) throws DecodeException {
    int save = pos;
    try {
      if (peekKind() != Kind.STR) {
        return false;
      }
      int n = readStringHeader("string");
      if (n < prefix.length) {
        return false;
      }
      for (int i = 0; i < prefix.length; i++) {
        if (buf[pos + i] != prefix[i]) {
          return false;
        }
      }
      return true;
    } finally {
      pos = save;
    }
  }

  /** Skips one complete value of any shape, iteratively; bounded by the input length. */
  void skip() throws DecodeException {
    long pending = 1;
    while (pending > 0) {
      pending--;
      need(1, "value");
      int b = buf[pos] & 0xff;
      switch (kindOf(b)) {
        case NIL:
        case BOOL:
          pos++;
          break;
        case INT:
          readU64("value");
          break;
        case FLOAT:
          readDouble("value");
          break;
        case STR: {
          int n = readStringHeader("value"); // not "pos += read...()": that would add to the stale pos
          pos += n;
          break;
        }
        case BIN: {
          int n = readBinHeader();
          pos += n;
          break;
        }
        case EXT:
          skipExt(b);
          break;
        case ARRAY:
          pending += readArrayHeader("value");
          break;
        case MAP:
          pending += 2L * readMapHeader("value");
          break;
        default:
          throw new DecodeException("invalid msgpack byte 0x" + Integer.toHexString(b) + " at offset " + pos);
      }
    }
  }

  private int readBinHeader() throws DecodeException {
    int b = buf[pos] & 0xff;
    long n;
    if (b == 0xc4) {
      need(2, "bin");
      pos += 2;
      n = buf[pos - 1] & 0xff;
    } else if (b == 0xc5) {
      need(3, "bin");
      pos += 3;
      n = u16(pos - 2);
    } else {
      need(5, "bin");
      pos += 5;
      n = u32(pos - 4);
    }
    if (n > end - pos) {
      throw new DecodeException("bin header claims " + n + " bytes but only " + (end - pos) + " remain");
    }
    return (int) n;
  }

  private void skipExt(int b) throws DecodeException {
    long n;
    switch (b) {
      case 0xd4 -> { need(2, "ext"); pos += 2; n = 1; }
      case 0xd5 -> { need(2, "ext"); pos += 2; n = 2; }
      case 0xd6 -> { need(2, "ext"); pos += 2; n = 4; }
      case 0xd7 -> { need(2, "ext"); pos += 2; n = 8; }
      case 0xd8 -> { need(2, "ext"); pos += 2; n = 16; }
      case 0xc7 -> { need(3, "ext"); pos += 3; n = buf[pos - 2] & 0xff; }
      case 0xc8 -> { need(4, "ext"); pos += 4; n = u16(pos - 3); }
      default -> { need(6, "ext"); pos += 6; n = u32(pos - 5); }
    }
    if (n > end - pos) {
      throw new DecodeException("ext header claims " + n + " bytes but only " + (end - pos) + " remain");
    }
    pos += (int) n;
  }

  private boolean regionEquals(int start, byte[] c) {
    for (int i = 0; i < c.length; i++) {
      if (buf[start + i] != c[i]) {
        return false;
      }
    }
    return true;
  }

  private void need(int n, String what) throws DecodeException {
    if (end - pos < n) {
      throw new DecodeException("truncated " + what + " at offset " + pos);
    }
  }

  private long u16(int at) {
    return ((buf[at] & 0xff) << 8) | (buf[at + 1] & 0xff);
  }

  private long u32(int at) {
    return ((buf[at] & 0xffL) << 24) | ((buf[at + 1] & 0xff) << 16) | ((buf[at + 2] & 0xff) << 8)
        | (buf[at + 3] & 0xff);
  }

  private long i64(int at) {
    return (u32(at) << 32) | u32(at + 4);
  }

  private DecodeException unexpected(String what, String expected, int b) {
    return new DecodeException(what + ": expected " + expected + " but found " + kindOf(b).name().toLowerCase()
        + " (0x" + Integer.toHexString(b) + ") at offset " + pos);
  }

  static byte[][] keys(String... names) {
    byte[][] out = new byte[names.length][];
    for (int i = 0; i < names.length; i++) {
      out[i] = names[i].getBytes(StandardCharsets.US_ASCII);
    }
    return out;
  }
}

package io.kvroute.common.codec;

import java.util.HexFormat;

/** Golden bytes are written as spaced hex, reasoned out by hand from the msgpack spec. */
final class Hex {

  private Hex() {
  }

  static byte[] bytes(String spacedHex) {
    return HexFormat.of().parseHex(spacedHex.replaceAll("\\s+", ""));
  }

  static String of(byte[] bytes) {
    return HexFormat.ofDelimiter(" ").formatHex(bytes);
  }

  static long u(String unsigned) {
    return Long.parseUnsignedLong(unsigned);
  }
}

package io.kvroute.common.event;

/** Printing of unsigned 64-bit hashes. */
public final class HashFormat {

  private HashFormat() {
  }

  public static String unsigned(long[] hashes) {
    StringBuilder sb = new StringBuilder("[");
    for (int i = 0; i < hashes.length; i++) {
      if (i > 0) {
        sb.append(", ");
      }
      sb.append(Long.toUnsignedString(hashes[i]));
    }
    return sb.append(']').toString();
  }
}

package io.kvroute.common.codec;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.SequenceInputStream;

/** A body whose connection drops: the first half of {@code bytes}, then "connection reset" on the next read. */
final class CutStream {

  static final String RESET = "connection reset";

  private CutStream() {
  }

  static InputStream halfOf(byte[] bytes) {
    return new SequenceInputStream(new ByteArrayInputStream(bytes, 0, bytes.length / 2), new InputStream() {
      @Override
      public int read() throws IOException {
        throw new IOException(RESET);
      }
    });
  }
}

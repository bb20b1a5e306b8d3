package io.kvroute.agent.sim;

import io.vertx.core.buffer.Buffer;
import java.io.OutputStream;

/** Appends what is written to a Vert.x buffer, so that a JSON generator can write straight into a response body. */
final class BufferOutputStream extends OutputStream {

  private final Buffer buffer;

  BufferOutputStream(Buffer buffer) {
    this.buffer = buffer;
  }

  @Override
  public void write(int b) {
    buffer.appendByte((byte) b);
  }

  @Override
  public void write(byte[] b, int off, int len) {
    buffer.appendBytes(b, off, len);
  }
}

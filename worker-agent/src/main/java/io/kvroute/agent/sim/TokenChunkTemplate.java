package io.kvroute.agent.sim;

import com.fasterxml.jackson.core.io.JsonStringEncoder;
import io.vertx.core.buffer.Buffer;
import java.nio.charset.StandardCharsets;

/**
 * The SSE line of one streamed token, from bytes fixed for the whole response around the piece as a quoted JSON
 * string. Built once per response from that response's own chunk JSON, with {@link #PIECE} in the piece's place,
 * so its bytes are those of encoding the chunk object per token (which cost a JSON tree and its encoder per token).
 */
final class TokenChunkTemplate {

  /** Stands for the piece in the line the template is cut from. */
  static final String PIECE = "kvroute-token-piece";

  private final byte[] head;
  private final byte[] tail;

  /** {@code line} holds {@code "PIECE"} (quoted) once, after every other string field. */
  TokenChunkTemplate(String line) {
    int at = line.lastIndexOf('"' + PIECE + '"');
    if (at < 0) {
      throw new IllegalArgumentException("no piece in the chunk line");
    }
    head = line.substring(0, at + 1).getBytes(StandardCharsets.UTF_8);
    tail = line.substring(at + PIECE.length() + 1).getBytes(StandardCharsets.UTF_8);
  }

  Buffer line(String piece) {
    byte[] quoted = JsonStringEncoder.getInstance().quoteAsUTF8(piece);
    return Buffer.buffer(head.length + quoted.length + tail.length).appendBytes(head).appendBytes(quoted)
        .appendBytes(tail);
  }
}

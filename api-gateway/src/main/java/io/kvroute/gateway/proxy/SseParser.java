package io.kvroute.gateway.proxy;

import io.vertx.core.buffer.Buffer;
import java.nio.charset.StandardCharsets;

/**
 * Incremental server-sent-events parser: feed it the upstream body as it arrives and it reports each event's
 * {@code data} (several data lines joined with '\n') when the blank line ending the event is seen. Never holds more
 * than one unfinished event; an event larger than the limit is an error rather than unbounded buffering.
 *
 * <p>Runs once per streamed token: complete lines are read straight from the incoming buffer (only an unfinished
 * tail is copied), and a data value is decoded once into its String.
 */
public final class SseParser {

  /** Receives parsed events. */
  @FunctionalInterface
  public interface Listener {
    void onEvent(String event, String data);
  }

  /** The upstream sent an event larger than the limit. Stackless. */
  public static final class SseException extends Exception {
    private static final long serialVersionUID = 1L;

    SseException(String message) {
      super(message, null, false, false);
    }
  }

  private final Listener listener;
  private final int maxEventBytes;
  /** The bytes of an unfinished line (no '\n' in them), or null. */
  private Buffer pending;
  private String event;
  /** The event's first data line, and the joined lines once there is more than one. */
  private String data;
  private StringBuilder moreData;
  private int eventBytes;

  public SseParser(Listener listener, int maxEventBytes) {
    this.listener = listener;
    this.maxEventBytes = maxEventBytes;
  }

  /** Consumes one chunk of the body. */
  public void push(Buffer chunk) throws SseException {
    Buffer buf;
    int from;
    if (pending != null) {
      from = pending.length();
      buf = pending.appendBuffer(chunk);
    } else {
      from = 0;
      buf = chunk;
    }
    int len = buf.length();
    int lineStart = 0;
    for (int i = from; i < len; i++) {
      if (buf.getByte(i) == '\n') {
        int end = i > lineStart && buf.getByte(i - 1) == '\r' ? i - 1 : i;
        line(buf, lineStart, end);
        lineStart = i + 1;
      }
    }
    if (lineStart == len) {
      pending = null;
    } else if (lineStart > 0 || buf != pending) {
      pending = buf.getBuffer(lineStart, len); // a copy: the caller's buffer is not ours to keep
    }
    int unfinished = pending == null ? 0 : pending.length();
    if (unfinished + eventBytes > maxEventBytes) {
      throw new SseException("upstream event larger than " + maxEventBytes + " bytes");
    }
  }

  /** End of body: dispatches a last event that lacked its blank line. */
  public void end() {
    if (pending != null && pending.length() > 0) {
      Buffer last = pending;
      pending = null;
      int end = last.length();
      if (last.getByte(end - 1) == '\r') {
        end--;
      }
      line(last, 0, end);
    }
    dispatch();
  }

  private void line(Buffer b, int start, int end) {
    if (start == end) {
      dispatch();
      return;
    }
    if (b.getByte(start) == ':') {
      return;
    }
    int colon = -1;
    for (int i = start; i < end; i++) {
      if (b.getByte(i) == ':') {
        colon = i;
        break;
      }
    }
    int fieldEnd = colon < 0 ? end : colon;
    int valueStart = colon < 0 ? end : colon + 1 < end && b.getByte(colon + 1) == ' ' ? colon + 2 : colon + 1;
    if (is(b, start, fieldEnd, "data")) {
      String value = b.getString(valueStart, end, StandardCharsets.UTF_8.name());
      if (data == null) {
        data = value;
      } else {
        if (moreData == null) {
          moreData = new StringBuilder(data.length() + value.length() + 16).append(data);
        }
        moreData.append('\n').append(value);
      }
      eventBytes += value.length();
    } else if (is(b, start, fieldEnd, "event")) {
      event = b.getString(valueStart, end, StandardCharsets.UTF_8.name());
    }
  }

  /** Whether bytes [start, end) of {@code b} are the ASCII {@code name}. */
  private static boolean is(Buffer b, int start, int end, String name) {
    if (end - start != name.length()) {
      return false;
    }
    for (int i = 0; i < name.length(); i++) {
      if (b.getByte(start + i) != name.charAt(i)) {
        return false;
      }
    }
    return true;
  }

  private void dispatch() {
    if (data != null) {
      String d = moreData == null ? data : moreData.toString();
      String e = event;
      data = null;
      moreData = null;
      event = null;
      eventBytes = 0;
      listener.onEvent(e, d);
    } else {
      event = null;
    }
  }
}

package io.kvroute.gateway.proxy;

import io.vertx.core.buffer.Buffer;
import java.nio.charset.StandardCharsets;

/**
 * Incremental server-sent-events parser: feed it the upstream body as it arrives and it reports each event's
 * {@code data} (several data lines joined with '\n') when the blank line ending the event is seen. Never holds more
 * than one unfinished event; an event larger than the limit is an error rather than unbounded buffering.
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
  private Buffer pending = Buffer.buffer(256);
  private int scanFrom;
  private String event;
  private StringBuilder data;
  private int eventBytes;

  public SseParser(Listener listener, int maxEventBytes) {
    this.listener = listener;
    this.maxEventBytes = maxEventBytes;
  }

  /** Consumes one chunk of the body. */
  public void push(Buffer chunk) throws SseException {
    pending.appendBuffer(chunk);
    int len = pending.length();
    int lineStart = 0;
    for (int i = scanFrom; i < len; i++) {
      if (pending.getByte(i) == '\n') {
        int end = i > lineStart && pending.getByte(i - 1) == '\r' ? i - 1 : i;
        line(pending.getString(lineStart, end, StandardCharsets.UTF_8.name()));
        lineStart = i + 1;
      }
    }
    if (lineStart > 0) {
      pending = lineStart == len ? Buffer.buffer(256) : pending.getBuffer(lineStart, len);
    }
    scanFrom = pending.length();
    if (scanFrom + eventBytes > maxEventBytes) {
      throw new SseException("upstream event larger than " + maxEventBytes + " bytes");
    }
  }

  /** End of body: dispatches a last event that lacked its blank line. */
  public void end() {
    if (pending.length() > 0) {
      String last = pending.toString(StandardCharsets.UTF_8);
      pending = Buffer.buffer(0);
      scanFrom = 0;
      line(last.endsWith("\r") ? last.substring(0, last.length() - 1) : last);
    }
    dispatch();
  }

  private void line(String line) {
    if (line.isEmpty()) {
      dispatch();
      return;
    }
    if (line.charAt(0) == ':') {
      return;
    }
    int colon = line.indexOf(':');
    String field = colon < 0 ? line : line.substring(0, colon);
    String value = colon < 0 ? "" : line.substring(colon + 1 < line.length() && line.charAt(colon + 1) == ' '
        ? colon + 2 : colon + 1);
    if (field.equals("data")) {
      if (data == null) {
        data = new StringBuilder(value.length());
      } else {
        data.append('\n');
      }
      data.append(value);
      eventBytes += value.length();
    } else if (field.equals("event")) {
      event = value;
    }
  }

  private void dispatch() {
    if (data != null) {
      String d = data.toString();
      String e = event;
      data = null;
      event = null;
      eventBytes = 0;
      listener.onEvent(e, d);
    } else {
      event = null;
    }
  }
}

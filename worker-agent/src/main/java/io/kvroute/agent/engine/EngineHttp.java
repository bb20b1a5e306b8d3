package io.kvroute.agent.engine;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.HttpURLConnection;
import java.net.MalformedURLException;
import java.net.Proxy;
import java.net.URI;
import java.net.URL;
import java.time.Duration;

/**
 * Blocking HTTP/1.1 calls from a poller thread to its engine, done on that thread: the JDK's {@link HttpURLConnection}
 * with its keep-alive cache, never a proxy. The asynchronous {@code java.net.http.HttpClient} it replaces handed
 * every response to a selector thread and then a worker thread before the poller saw it; polling an engine every
 * 10 ms that way cost three thread wake-ups per poll, and more per body buffer, on the host that runs the engine.
 */
public final class EngineHttp {

  /** An answer: its status and its body, which must be closed (fully read, it returns the connection for reuse). */
  record Response(int status, InputStream body) implements AutoCloseable {
    @Override
    public void close() throws IOException {
      body.close();
    }
  }

  private final int connectTimeoutMillis;
  private final int readTimeoutMillis;

  /** {@code readTimeout} bounds each wait for bytes, so a stalled engine frees the poller after that long. */
  EngineHttp(Duration connectTimeout, Duration readTimeout) {
    this.connectTimeoutMillis = Math.toIntExact(connectTimeout.toMillis());
    this.readTimeoutMillis = Math.toIntExact(readTimeout.toMillis());
  }

  /** {@code GET url}. */
  Response get(URL url) throws IOException {
    return send(open(url, "GET"));
  }

  /** {@code POST url} with an empty body. */
  Response post(URL url) throws IOException {
    HttpURLConnection c = open(url, "POST");
    c.setDoOutput(true);
    c.setFixedLengthStreamingMode(0);
    try (OutputStream ignored = c.getOutputStream()) {
      // Content-Length: 0 is all there is to send.
    }
    return send(c);
  }

  /**
   * {@code url} parsed; an {@link IllegalArgumentException} unless it is an absolute http or https URL with a host.
   * The agent's config checks its engine URLs with it, so a bad one is refused at start.
   */
  public static URL url(String url) {
    URI uri = URI.create(url);
    boolean http = "http".equalsIgnoreCase(uri.getScheme()) || "https".equalsIgnoreCase(uri.getScheme());
    if (!http || uri.getHost() == null) {
      throw new IllegalArgumentException("not an http(s) URL: " + url);
    }
    try {
      return uri.toURL();
    } catch (MalformedURLException e) {
      throw new IllegalArgumentException("not an http(s) URL: " + url, e);
    }
  }

  private HttpURLConnection open(URL url, String method) throws IOException {
    HttpURLConnection c = (HttpURLConnection) url.openConnection(Proxy.NO_PROXY);
    c.setRequestMethod(method);
    c.setConnectTimeout(connectTimeoutMillis);
    c.setReadTimeout(readTimeoutMillis);
    c.setUseCaches(false);
    c.setInstanceFollowRedirects(false);
    return c;
  }

  private static Response send(HttpURLConnection c) throws IOException {
    int status = c.getResponseCode();
    InputStream body = status >= 400 ? c.getErrorStream() : c.getInputStream();
    return new Response(status, body == null ? InputStream.nullInputStream() : body);
  }
}

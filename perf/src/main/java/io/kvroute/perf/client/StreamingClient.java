package io.kvroute.perf.client;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.Flow;

/**
 * Sends streamed OpenAI requests with the JDK HTTP client (HTTP/1.1, one connection per in-flight request) and
 * parses the SSE body as it arrives, so every text chunk is timed on arrival.
 */
public final class StreamingClient implements AutoCloseable {

  /** The response header in which the gateway names the worker that served the request. */
  public static final String WORKER_HEADER = "x-kvroute-worker";

  private final HttpClient http;
  private final URI base;
  private final Duration requestTimeout;
  private final String apiKey;

  public StreamingClient(URI base, Duration requestTimeout, String apiKey, Executor executor) {
    HttpClient.Builder b = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
        .connectTimeout(Duration.ofSeconds(10));
    if (executor != null) {
      b.executor(executor);
    }
    this.http = b.build();
    this.base = base;
    this.requestTimeout = requestTimeout;
    this.apiKey = apiKey;
  }

  /** Sends {@code spec}; the future always completes normally (failures become results with an error). */
  public CompletableFuture<RequestResult> send(RequestSpec spec, long runStartNanos) {
    long start = System.nanoTime();
    long sentAt = start - runStartNanos;
    HttpRequest.Builder rb = HttpRequest.newBuilder(base.resolve(spec.path()))
        .timeout(requestTimeout)
        .header("Content-Type", "application/json")
        .header("Accept", "text/event-stream")
        .POST(HttpRequest.BodyPublishers.ofString(spec.body().get()));
    if (apiKey != null && !apiKey.isEmpty()) {
      rb.header("Authorization", "Bearer " + apiKey);
    }
    SseResponseParser[] holder = new SseResponseParser[1];
    HttpResponse.BodyHandler<RequestResult> handler = info -> {
      String worker = info.headers().firstValue(WORKER_HEADER).orElse(null);
      SseResponseParser parser = new SseResponseParser(spec.index(), sentAt, start, System::nanoTime,
          info.statusCode(), worker);
      holder[0] = parser;
      return HttpResponse.BodySubscribers.fromLineSubscriber(new LineSink(parser), sink -> parser.finish(null),
          java.nio.charset.StandardCharsets.UTF_8,
          "\n");
    };
    return http.sendAsync(rb.build(), handler)
        .thenApply(HttpResponse::body)
        .exceptionally(t -> {
          Throwable cause = t.getCause() != null ? t.getCause() : t;
          SseResponseParser p = holder[0] != null ? holder[0]
              : new SseResponseParser(spec.index(), sentAt, start, System::nanoTime, 0, null);
          return p.finish(cause);
        });
  }

  @Override
  public void close() {
    // HttpClient has no close() before JDK 21; its threads are daemons and idle connections time out.
  }

  /** Feeds lines to the parser, requesting without bound (the parser is cheap). */
  private static final class LineSink implements Flow.Subscriber<String> {
    private final SseResponseParser parser;

    LineSink(SseResponseParser parser) {
      this.parser = parser;
    }

    @Override
    public void onSubscribe(Flow.Subscription subscription) {
      subscription.request(Long.MAX_VALUE);
    }

    @Override
    public void onNext(String item) {
      parser.onLine(item);
    }

    @Override
    public void onError(Throwable throwable) {
      // The send future completes exceptionally; handled there.
    }

    @Override
    public void onComplete() {
      // finish() is called by the finisher.
    }
  }
}

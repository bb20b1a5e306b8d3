package io.kvroute.agent.engine;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;
import java.io.IOException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Blocking calls to the engine's HTTP API for one poller thread, made with a Vert.x client on the agent's event
 * loop. The JDK client did the same with ~150 KB of garbage per proxied request at 10 ms polls (fresh 16 KB read
 * buffers, a body joined from them, futures per call: JFR of the latency bench), a third of the agent's garbage.
 */
final class EngineHttpClient implements AutoCloseable {

  /** A complete answer: status and body bytes. */
  record Response(int status, byte[] body) {
  }

  private final HttpClient client;
  private final long timeoutMillis;

  EngineHttpClient(Vertx vertx, int connectTimeoutMillis, long timeoutMillis) {
    this.client = vertx.createHttpClient(new HttpClientOptions().setConnectTimeout(connectTimeoutMillis)
        .setKeepAlive(true), new PoolOptions().setHttp1MaxSize(1));
    this.timeoutMillis = timeoutMillis;
  }

  /**
   * Sends a request without a body and waits for the whole answer. Never call it on an event loop.
   *
   * @throws IOException the engine could not be reached or did not answer in time; the message names why
   */
  Response send(HttpMethod method, String uri) throws IOException, InterruptedException {
    Future<Response> answer = client.request(new RequestOptions().setMethod(method).setAbsoluteURI(uri)
            .setIdleTimeout(timeoutMillis))
        .compose(request -> request.send())
        .compose(response -> response.body().map(body -> new Response(response.statusCode(), body.getBytes())));
    try {
      return answer.toCompletionStage().toCompletableFuture().get(timeoutMillis, TimeUnit.MILLISECONDS);
    } catch (ExecutionException e) {
      Throwable cause = e.getCause() == null ? e : e.getCause();
      throw new IOException(cause.getClass().getSimpleName(), cause);
    } catch (TimeoutException e) {
      throw new IOException("Timeout", e);
    }
  }

  @Override
  public void close() {
    client.close();
  }
}

package io.kvroute.agent.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import java.io.IOException;
import java.net.ConnectException;
import java.net.ServerSocket;
import java.net.SocketTimeoutException;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The poller's blocking engine client against a real HTTP server on loopback. */
@Timeout(30)
class EngineHttpTest {

  private final EngineHttp http = new EngineHttp(Duration.ofSeconds(1), Duration.ofMillis(300));
  private final ConcurrentLinkedQueue<String> seen = new ConcurrentLinkedQueue<>();
  private final AtomicInteger connections = new AtomicInteger();
  private Vertx vertx;
  private String base;

  @BeforeEach
  void startEngine() throws Exception {
    vertx = Vertx.vertx();
    HttpServer server = vertx.createHttpServer()
        .connectionHandler(c -> connections.incrementAndGet())
        .requestHandler(req -> req.body().onSuccess(body -> {
          seen.add(req.method() + " " + req.path() + " content-length=" + req.getHeader("Content-Length")
              + " body=" + body.length());
          switch (req.path()) {
            case "/kv_cache_events" -> req.response().end("[1,2,3]");
            case "/missing" -> req.response().setStatusCode(404).end("{\"error\":\"no such route\"}");
            case "/stall" -> {
              // never answers: the client's read timeout must free it
            }
            default -> req.response().end("x".repeat(100_000));
          }
        }));
    server.listen(0, "127.0.0.1").await(10, TimeUnit.SECONDS);
    base = "http://127.0.0.1:" + server.actualPort();
  }

  @AfterEach
  void stopEngine() throws Exception {
    vertx.close().await(10, TimeUnit.SECONDS);
  }

  @Test
  void shouldPostAnEmptyBodyAndReadTheAnswer() throws IOException {
    try (EngineHttp.Response r = http.post(EngineHttp.url(base + "/kv_cache_events"))) {
      assertThat(r.status()).isEqualTo(200);
      assertThat(new String(r.body().readAllBytes(), StandardCharsets.UTF_8)).isEqualTo("[1,2,3]");
    }
    assertThat(seen).containsExactly("POST /kv_cache_events content-length=0 body=0");
  }

  @Test
  void shouldReuseOneConnectionForPollsThatReadTheirBodies() throws IOException {
    URL events = EngineHttp.url(base + "/kv_cache_events");
    URL metrics = EngineHttp.url(base + "/metrics");
    for (int i = 0; i < 20; i++) {
      try (EngineHttp.Response r = i % 2 == 0 ? http.post(events) : http.get(metrics)) {
        r.body().readAllBytes();
      }
    }
    assertThat(seen).hasSize(20);
    assertThat(connections.get()).isEqualTo(1);
  }

  @Test
  void shouldHandAnErrorStatusWithItsBody() throws IOException {
    try (EngineHttp.Response r = http.get(EngineHttp.url(base + "/missing"))) {
      assertThat(r.status()).isEqualTo(404);
      assertThat(new String(r.body().readAllBytes(), StandardCharsets.UTF_8)).contains("no such route");
    }
  }

  @Test
  void shouldFailWithAnIoExceptionWhenNothingListens() throws IOException {
    int closedPort;
    try (ServerSocket s = new ServerSocket(0)) {
      closedPort = s.getLocalPort();
    }
    URL url = EngineHttp.url("http://127.0.0.1:" + closedPort + "/metrics");
    assertThatThrownBy(() -> http.get(url)).isInstanceOf(ConnectException.class);
  }

  @Test
  void shouldGiveUpOnAnEngineThatNeverAnswers() {
    URL url = EngineHttp.url(base + "/stall");
    assertThatThrownBy(() -> http.post(url)).isInstanceOf(SocketTimeoutException.class);
  }

  @Test
  void shouldAcceptOnlyAbsoluteHttpUrls() {
    for (String bad : List.of("ftp://127.0.0.1/metrics", "file:///etc/passwd", "/metrics", "127.0.0.1:8000",
        "http:///metrics")) {
      assertThatThrownBy(() -> EngineHttp.url(bad)).as(bad).isInstanceOf(IllegalArgumentException.class);
    }
    assertThat(EngineHttp.url("HTTPS://engine:8443/health").getProtocol()).isEqualToIgnoringCase("https");
  }
}

package io.kvroute.gateway;

import io.kvroute.common.tokenizer.ModelTokenizer;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.Vertx;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/** Test helper: one gateway on a loopback ephemeral port, and a blocking HTTP client to call it. */
public final class TestGateway implements AutoCloseable {

  private static ModelTokenizer tokenizer;

  public final Vertx vertx;
  public final GatewayVerticle verticle;
  public final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
  public final String base;
  private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
      .connectTimeout(Duration.ofSeconds(5)).build();

  private TestGateway(Vertx vertx, GatewayConfig config, ModelTokenizer modelTokenizer) throws Exception {
    this.vertx = vertx;
    this.verticle = new GatewayVerticle(config, modelTokenizer, registry);
    vertx.deployVerticle(verticle).await(30, TimeUnit.SECONDS);
    this.base = "http://127.0.0.1:" + verticle.actualPort();
  }

  /** Starts a gateway in its own Vert.x instance. */
  public static TestGateway start(GatewayConfig config) throws Exception {
    return new TestGateway(Vertx.vertx(), config, tokenizer());
  }

  /** Starts a gateway with its own tokenizer instance (e.g. {@link GatewayConfig#loadTokenizer()}). */
  public static TestGateway start(GatewayConfig config, ModelTokenizer modelTokenizer) throws Exception {
    return new TestGateway(Vertx.vertx(), config, modelTokenizer);
  }

  /** The bundled Qwen2.5 tokenizer, loaded once per JVM. */
  public static synchronized ModelTokenizer tokenizer() {
    if (tokenizer == null) {
      tokenizer = ModelTokenizer.loadBundled();
    }
    return tokenizer;
  }

  /** A loopback port nothing listens on (bound then released). */
  public static int deadPort() throws IOException {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }

  public HttpResponse<String> get(String path, String... headers) throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofSeconds(30)).GET();
    if (headers.length > 0) {
      b.headers(headers);
    }
    return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  public HttpResponse<String> getAbsolute(String url) throws Exception {
    return http.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(10)).GET().build(),
        HttpResponse.BodyHandlers.ofString());
  }

  public HttpResponse<String> post(String path, String body, String... headers) throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofSeconds(30))
        .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body));
    if (headers.length > 0) {
      b.headers(headers);
    }
    return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  /** POST whose body is read lazily line by line (for streams the test interrupts). */
  public HttpResponse<java.util.stream.Stream<String>> postLines(String path, String body) throws Exception {
    return http.send(HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofSeconds(60))
        .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body)).build(),
        HttpResponse.BodyHandlers.ofLines());
  }

  @Override
  public void close() throws Exception {
    vertx.close().await(10, TimeUnit.SECONDS);
  }
}

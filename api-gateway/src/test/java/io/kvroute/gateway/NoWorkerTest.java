package io.kvroute.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import io.kvroute.router.RouterConfig;
import io.kvroute.router.RouterVerticle;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** A real router with no worker registered: the gateway is ready (router reachable) but answers 503. */
@Timeout(60)
class NoWorkerTest {

  private static Vertx routerVertx;
  private static TestGateway gw;

  @BeforeAll
  static void start() throws Exception {
    routerVertx = Vertx.vertx();
    RouterVerticle router = new RouterVerticle(RouterConfig.from(RouterConfig.options().parse(new String[] {
        "--router-port", "0", "--host", "127.0.0.1", "--http-instances", "1"}, Map.of())));
    routerVertx.deployVerticle(router).await(30, TimeUnit.SECONDS);
    gw = TestGateway.start(GatewayConfig.forTest(List.of("http://127.0.0.1:" + router.actualPort())));
  }

  @AfterAll
  static void stop() throws Exception {
    gw.close();
    routerVertx.close().await(10, TimeUnit.SECONDS);
  }

  @Test
  void shouldBeReadyButAnswer503WithRetryAfterWhenNoWorkerIsAvailable() throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
    while (gw.get("/ready").statusCode() != 200 && System.nanoTime() - deadline < 0) {
      Thread.sleep(50);
    }
    assertThat(gw.get("/ready").statusCode()).isEqualTo(200);
    HttpResponse<String> r = gw.post("/v1/chat/completions", "{\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}");
    assertThat(r.statusCode()).isEqualTo(503);
    assertThat(r.headers().firstValue("retry-after")).isPresent();
    JsonObject err = new JsonObject(r.body()).getJsonObject("error");
    assertThat(err.getString("code")).isEqualTo("no_worker_available");
    assertThat(err.getString("type")).isEqualTo("service_unavailable");
  }
}

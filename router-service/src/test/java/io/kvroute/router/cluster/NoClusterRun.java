package io.kvroute.router.cluster;

import io.kvroute.router.RouterConfig;
import io.kvroute.router.RouterVerticle;
import io.kvroute.router.TestSupport;
import io.vertx.core.Vertx;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** Run inside an isolated class loader by {@link NoHazelcastWithoutClusterTest}: a router's life without --cluster. */
public final class NoClusterRun {

  private NoClusterRun() {
  }

  public static void run() throws Exception {
    Vertx vertx = Vertx.vertx();
    try {
      RouterVerticle router = new RouterVerticle(RouterConfig.from(RouterConfig.options().parse(new String[] {
          "--router-port", "0", "--host", "127.0.0.1", "--http-instances", "1", "--block-size", "4"}, Map.of())));
      vertx.deployVerticle(router).await(30, TimeUnit.SECONDS);
      int port = router.actualPort();
      check(TestSupport.post(port, "/v1/workers", "{\"worker_id\":\"w\",\"block_size\":4}").statusCode() == 201);
      check(TestSupport.post(port, "/v1/workers/w/drain", "{\"draining\":false}").statusCode() == 200);
      check(TestSupport.post(port, "/v1/route",
          "{\"request_id\":\"r\",\"local_hashes\":[1],\"num_tokens\":4}").statusCode() == 200);
      check(TestSupport.delete(port, "/v1/requests/r").statusCode() == 200);
      check(TestSupport.get(port, "/metrics").statusCode() == 200);
      check(router.cluster() == null);
    } finally {
      vertx.close().await(10, TimeUnit.SECONDS);
    }
  }

  private static void check(boolean ok) {
    if (!ok) {
      throw new AssertionError("router without --cluster misbehaved");
    }
  }
}

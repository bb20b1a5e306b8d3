package io.kvroute.router.ingest;

import io.kvroute.common.codec.DecodeException;
import io.kvroute.common.codec.RecoveryJson;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.client.WebClientOptions;
import java.util.ArrayList;
import java.util.List;

/**
 * {@link RecoveryClient} over the agent's HTTP API with one Vert.x {@link WebClient}. Bodies are decoded with
 * {@link RecoveryJson} on a worker thread (a snapshot can be megabytes).
 */
public final class AgentRecoveryClient implements RecoveryClient {

  private final Vertx vertx;
  private final WebClient client;
  private final long timeoutMillis;

  public AgentRecoveryClient(Vertx vertx, long timeoutMillis) {
    this.vertx = vertx;
    this.timeoutMillis = timeoutMillis;
    this.client = WebClient.create(vertx, new WebClientOptions().setConnectTimeout((int) Math.min(timeoutMillis,
        5_000)).setKeepAlive(true).setUserAgent("kvroute-router"));
  }

  @Override
  public Future<Replay> eventsAfter(String agentUrl, long afterSeq) {
    return client.getAbs(base(agentUrl) + "/v1/kv/events?after=" + afterSeq).timeout(timeoutMillis).send()
        .compose(resp -> {
          if (resp.statusCode() == 410) {
            return Future.succeededFuture(Replay.ofGone());
          }
          return ok(resp).compose(body -> vertx.executeBlocking(() -> {
            RecoveryJson.EventsPage page = RecoveryJson.decodeEvents(body);
            List<SeqBatch> out = new ArrayList<>(page.batches().size());
            for (RecoveryJson.SeqBatch b : page.batches()) {
              out.add(new SeqBatch(b.seq(), b.batch()));
            }
            return new Replay(false, page.lastSeq(), out);
          }, false));
        });
  }

  @Override
  public Future<Snapshot> snapshot(String agentUrl) {
    return client.getAbs(base(agentUrl) + "/v1/kv/snapshot").timeout(timeoutMillis).send()
        .compose(AgentRecoveryClient::ok)
        .compose(body -> vertx.executeBlocking(() -> {
          RecoveryJson.Snapshot s = RecoveryJson.decodeSnapshot(body);
          return new Snapshot(s.seq(), s.blockSize(), s.ranks());
        }, false));
  }

  private static Future<String> ok(HttpResponse<Buffer> resp) {
    if (resp.statusCode() != 200) {
      return Future.failedFuture(new DecodeException("agent answered HTTP " + resp.statusCode()));
    }
    Buffer b = resp.body();
    return Future.succeededFuture(b == null ? "" : b.toString());
  }

  private static String base(String url) {
    return url.endsWith("/") ? url.substring(0, url.length() - 1) : url;
  }

  @Override
  public void close() {
    client.close();
  }
}

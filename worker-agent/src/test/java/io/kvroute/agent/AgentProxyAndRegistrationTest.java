package io.kvroute.agent;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.http.HttpServer;
import io.vertx.core.json.JsonObject;
import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Proxy cancellation, chat proxying and router registration of an agent on a real-time simulated engine. */
@Timeout(60)
class AgentProxyAndRegistrationTest {

  @RegisterExtension
  final AgentHarness harness = new AgentHarness();


  private static int closedPort() throws Exception {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }

  @Test
  void shouldServeBeforeAnyRouterIsUpRegisterWhenOneComesUpProxyChatAndCancelUpstream() throws Exception {
    // Two router URLs, neither up yet: the agent starts and serves anyway.
    int laterPort = closedPort();
    Agent agent = harness.start(TestAgents.sim(16, 512, 64, List.of(
        "http://127.0.0.1:" + closedPort(), "http://127.0.0.1:" + laterPort), 1.0));
    String url = harness.url("");
    Await.until("registration attempts failed", 10_000,
        () -> agent.metrics().count("kvroute_agent_registrations_total", "outcome", "error") >= 2);
    assertThat(harness.readyStatus()).isEqualTo(200);

    HttpResponse<String> chat = TestHttp.post(url + "/v1/chat/completions",
        "{\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],\"max_tokens\":3}");
    assertThat(chat.statusCode()).isEqualTo(200);
    assertThat(new JsonObject(chat.body()).getString("object")).isEqualTo("chat.completion");
    assertThat(TestHttp.post(url + "/v1/chat/completions", "{\"messages\":\"x\"}").statusCode()).isEqualTo(400);

    // One router comes up (a stand-in that records registrations): the next heartbeats reach it; the other URL
    // still points at nothing.
    List<JsonObject> registrations = new CopyOnWriteArrayList<>();
    HttpServer router = TestAgents.await(harness.vertx().createHttpServer().requestHandler(req -> {
      if (req.path().equals("/v1/workers")) {
        req.body().onSuccess(b -> {
          registrations.add(b.toJsonObject());
          req.response().setStatusCode(200).end("{}");
        });
      } else {
        req.response().setStatusCode(404).end();
      }
    }).listen(laterPort, "127.0.0.1"));
    Await.until("registered twice (heartbeat)", 10_000, () -> registrations.size() >= 2);
    JsonObject reg = registrations.get(0);
    assertThat(reg.getString("worker_id")).isEqualTo("worker-t");
    assertThat(reg.getString("url")).isEqualTo(url);
    assertThat(reg.getString("events_endpoint")).isEqualTo("tcp://127.0.0.1:" + agent.kvEventsPort());
    assertThat(reg.getString("metrics_endpoint")).isEqualTo("tcp://127.0.0.1:" + agent.metricsPort());
    assertThat(reg.getInteger("block_size")).isEqualTo(16);
    assertThat(reg.getString("model")).isNotBlank();
    assertThat(registrations.get(1)).isEqualTo(reg);

    // A long real-time stream (about 6 ms per token): the client reads one chunk and goes away.
    HttpRequest req = HttpRequest.newBuilder(URI.create(url + "/v1/completions")).timeout(Duration.ofSeconds(30))
        .header("content-type", "application/json").POST(HttpRequest.BodyPublishers.ofString(
            "{\"prompt\":\"a long story\",\"max_tokens\":5000,\"ignore_eos\":true,\"stream\":true}")).build();
    HttpResponse<InputStream> streamed = TestHttp.client().send(req, HttpResponse.BodyHandlers.ofInputStream());
    BufferedReader reader = new BufferedReader(new InputStreamReader(streamed.body(), StandardCharsets.UTF_8));
    assertThat(reader.readLine()).startsWith("data: ");
    Await.until("engine busy", 5_000, () -> agent.simEngine().engine().status().running() == 1);
    streamed.body().close();

    Await.until("engine request aborted", 10_000, () -> agent.simEngine().engine().status().running() == 0);
    assertThat(agent.simEngine().engine().status().usedBlocks()).isZero();
    Await.until("cancel counted", 5_000, () ->
        agent.metrics().count("kvroute_agent_proxy_requests_total", "route", "completions", "outcome", "cancelled")
            == 1);
    TestAgents.await(router.close());
  }
}

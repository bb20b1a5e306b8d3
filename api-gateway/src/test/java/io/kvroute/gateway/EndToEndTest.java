package io.kvroute.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import io.kvroute.agent.Agent;
import io.kvroute.agent.AgentConfig;
import io.kvroute.gateway.GatewayConfig.FallbackPolicy;
import io.kvroute.gateway.proxy.ProxyExchange;
import io.kvroute.router.RouterConfig;
import io.kvroute.router.RouterVerticle;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.Socket;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;

/**
 * End to end on loopback: router-service + 2 worker agents with simulated engines + gateway, all in this JVM on
 * ephemeral ports. Tests run in order: the last ones kill an agent and then the router.
 */
@Timeout(120)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class EndToEndTest {

  private static Vertx routerVertx;
  private static RouterVerticle router;
  private static String routerUrl;
  private static final List<Vertx> agentVertx = new ArrayList<>();
  private static final List<Agent> agents = new ArrayList<>();
  private static TestGateway gw;
  private static TestGateway fallbackGw;
  private static String longPromptWorker;

  @BeforeAll
  static void startAll() throws Exception {
    routerVertx = Vertx.vertx();
    RouterConfig rc = RouterConfig.from(RouterConfig.options().parse(new String[] {
        "--router-port", "0", "--host", "127.0.0.1", "--block-size", "32", "--http-instances", "1",
        "--worker-ttl", "30s"}, Map.of()));
    router = new RouterVerticle(rc);
    routerVertx.deployVerticle(router).await(30, TimeUnit.SECONDS);
    routerUrl = "http://127.0.0.1:" + router.actualPort();
    for (int i = 0; i < 2; i++) {
      Vertx v = Vertx.vertx();
      AgentConfig ac = AgentConfig.from(AgentConfig.options().parse(new String[] {
          "--worker-index", Integer.toString(i), "--http-port", "0", "--kv-events-port", "0", "--metrics-port", "0",
          "--bind-host", "127.0.0.1", "--router-url", routerUrl, "--speedup", "20", "--num-blocks", "4096"},
          Map.of()));
      agentVertx.add(v);
      agents.add(Agent.start(v, ac).await(60, TimeUnit.SECONDS));
    }
    gw = TestGateway.start(GatewayConfig.forTest(List.of(routerUrl)));
    fallbackGw = TestGateway.start(GatewayConfig.forTest(List.of(routerUrl)).withFallback(
        FallbackPolicy.ROUND_ROBIN));
    await("both workers routable", () -> eligibleWorkers() == 2);
  }

  @AfterAll
  static void stopAll() throws Exception {
    for (TestGateway g : new TestGateway[] {gw, fallbackGw}) {
      if (g != null) {
        g.close();
      }
    }
    for (int i = 0; i < agents.size(); i++) {
      try {
        agents.get(i).stop().await(10, TimeUnit.SECONDS);
      } catch (Exception e) {
        // already stopped by a test
      }
      agentVertx.get(i).close().await(10, TimeUnit.SECONDS);
    }
    if (routerVertx != null) {
      routerVertx.close().await(10, TimeUnit.SECONDS);
    }
  }

  // ---- helpers -----------------------------------------------------------------------------------------------

  private static JsonArray routerWorkers() {
    try {
      HttpResponse<String> r = gw.getAbsolute(routerUrl + "/v1/workers");
      return new JsonObject(r.body()).getJsonArray("workers");
    } catch (Exception e) {
      return new JsonArray();
    }
  }

  private static int eligibleWorkers() {
    int n = 0;
    for (Object o : routerWorkers()) {
      if (Boolean.TRUE.equals(((JsonObject) o).getValue("eligible"))) {
        n++;
      }
    }
    return n;
  }

  private static int routerActiveRequests() {
    int n = 0;
    for (Object o : routerWorkers()) {
      n += ((JsonObject) o).getInteger("active_requests", 0);
    }
    return n;
  }

  private static void await(String what, BooleanSupplier condition) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() - deadline > 0) {
        throw new AssertionError("timed out waiting for: " + what);
      }
      Thread.sleep(50);
    }
  }

  private static String chatBody(String content, boolean stream, int maxTokens) {
    JsonObject b = new JsonObject().put("model", GatewayConfig.DEFAULT_MODEL)
        .put("messages", new JsonArray().add(new JsonObject().put("role", "user").put("content", content)))
        .put("max_tokens", maxTokens).put("stream", stream);
    if (stream) {
      b.put("stream_options", new JsonObject().put("include_usage", true));
    }
    return b.encode();
  }

  /** The data payloads of an SSE body, in order. */
  private static List<String> sseData(String body) {
    List<String> out = new ArrayList<>();
    for (String line : body.split("\n")) {
      if (line.startsWith("data: ")) {
        out.add(line.substring(6));
      }
    }
    return out;
  }

  private static double counter(TestGateway g, String name) {
    var c = g.registry.find(name).counter();
    return c == null ? 0 : c.count();
  }

  // ---- tests -------------------------------------------------------------------------------------------------

  @Test
  @Order(1)
  void shouldStreamAChatCompletionInOpenAiShape() throws Exception {
    HttpResponse<String> r = gw.post("/v1/chat/completions", chatBody("Tell me about KV caches.", true, 24));
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.headers().firstValue("content-type")).hasValueSatisfying(v -> assertThat(v)
        .startsWith("text/event-stream"));
    List<String> data = sseData(r.body());
    assertThat(data.get(data.size() - 1)).isEqualTo("[DONE]");
    JsonObject first = new JsonObject(data.get(0));
    assertThat(first.getString("object")).isEqualTo("chat.completion.chunk");
    assertThat(first.getJsonArray("choices").getJsonObject(0).getJsonObject("delta").getString("role"))
        .isEqualTo("assistant");
    StringBuilder content = new StringBuilder();
    String finish = null;
    JsonObject usage = null;
    for (String d : data.subList(1, data.size() - 1)) {
      JsonObject c = new JsonObject(d);
      assertThat(c.getString("id")).isEqualTo(first.getString("id"));
      JsonArray choices = c.getJsonArray("choices");
      if (choices.isEmpty()) {
        usage = c.getJsonObject("usage");
        continue;
      }
      JsonObject c0 = choices.getJsonObject(0);
      assertThat(finish).as("no content after the finish chunk").isNull();
      if (c0.getJsonObject("delta").containsKey("content")) {
        content.append(c0.getJsonObject("delta").getString("content"));
      }
      finish = c0.getString("finish_reason");
    }
    assertThat(content.toString()).isNotBlank();
    assertThat(finish).isIn("stop", "length");
    assertThat(usage).isNotNull();
    assertThat(usage.getInteger("completion_tokens")).isBetween(1, 24);
    assertThat(usage.getInteger("prompt_tokens")).isGreaterThan(20);
    assertThat(usage.getJsonObject("prompt_tokens_details").getInteger("cached_tokens")).isNotNull();
    await("bookings released", () -> routerActiveRequests() == 0);
  }

  @Test
  @Order(2)
  void shouldAnswerANonStreamedChatCompletion() throws Exception {
    HttpResponse<String> r = gw.post("/v1/chat/completions", chatBody("What is a radix tree?", false, 16));
    assertThat(r.statusCode()).isEqualTo(200);
    JsonObject body = new JsonObject(r.body());
    assertThat(body.getString("object")).isEqualTo("chat.completion");
    JsonObject c0 = body.getJsonArray("choices").getJsonObject(0);
    assertThat(c0.getJsonObject("message").getString("role")).isEqualTo("assistant");
    assertThat(c0.getJsonObject("message").getString("content")).isNotBlank();
    assertThat(c0.getString("finish_reason")).isIn("stop", "length");
    assertThat(body.getJsonObject("usage").getInteger("total_tokens"))
        .isEqualTo(body.getJsonObject("usage").getInteger("prompt_tokens")
            + body.getJsonObject("usage").getInteger("completion_tokens"));
    assertThat(r.headers().firstValue(ProxyExchange.WORKER_HEADER)).isPresent();
  }

  @Test
  @Order(3)
  void shouldServeCompletionsFromTextAndTokenIds() throws Exception {
    HttpResponse<String> streamed = gw.post("/v1/completions", new JsonObject().put("prompt", "Once upon a time")
        .put("max_tokens", 8).put("stream", true).encode());
    assertThat(streamed.statusCode()).isEqualTo(200);
    List<String> data = sseData(streamed.body());
    assertThat(data.get(data.size() - 1)).isEqualTo("[DONE]");
    JsonObject chunk = new JsonObject(data.get(0));
    assertThat(chunk.getString("object")).isEqualTo("text_completion");
    assertThat(chunk.getJsonArray("choices").getJsonObject(0).getString("text")).isNotNull();

    JsonArray ids = new JsonArray();
    for (int t : TestGateway.tokenizer().encode("The quick brown fox jumps over the lazy dog")) {
      ids.add(t);
    }
    HttpResponse<String> plain = gw.post("/v1/completions", new JsonObject().put("prompt", ids).put("max_tokens", 8)
        .encode());
    assertThat(plain.statusCode()).isEqualTo(200);
    JsonObject body = new JsonObject(plain.body());
    assertThat(body.getString("object")).isEqualTo("text_completion");
    assertThat(body.getJsonArray("choices").getJsonObject(0).getString("text")).isNotBlank();
    assertThat(body.getJsonObject("usage").getInteger("prompt_tokens")).isEqualTo(ids.size());
  }

  /** Non-streamed /v1/completions with extra sampling fields; returns the response JSON. */
  private static JsonObject complete(String prompt, String extra) throws Exception {
    HttpResponse<String> r = gw.post("/v1/completions", "{\"prompt\":\"" + prompt + "\",\"max_tokens\":16"
        + extra + "}");
    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    return new JsonObject(r.body());
  }

  private static String text(JsonObject completion) {
    return completion.getJsonArray("choices").getJsonObject(0).getString("text");
  }

  @Test
  @Order(3)
  void shouldForwardSamplingParametersToTheWorker() throws Exception {
    // The simulated engine honours seed (deterministic text), ignore_eos/min_tokens (exact length) and stop.
    JsonObject a = complete("Sampling check", ",\"seed\":11,\"ignore_eos\":true,\"temperature\":0.7,"
        + "\"top_p\":0.9,\"user\":\"u-1\"");
    JsonObject again = complete("Sampling check", ",\"seed\":11,\"ignore_eos\":true");
    JsonObject other = complete("Sampling check", ",\"seed\":12,\"ignore_eos\":true");
    assertThat(a.getJsonObject("usage").getInteger("completion_tokens")).isEqualTo(16);
    assertThat(text(again)).isEqualTo(text(a));
    assertThat(text(other)).as("another seed, another text").isNotEqualTo(text(a));
    JsonObject min = complete("Sampling check", ",\"seed\":11,\"min_tokens\":16");
    assertThat(min.getJsonObject("usage").getInteger("completion_tokens")).isEqualTo(16);
    // stop on a piece of the seeded text: the same text ends right before it, finish_reason "stop"
    String full = text(a);
    String stop = full.substring(full.length() / 2, full.length() / 2 + 3);
    JsonObject cut = complete("Sampling check", ",\"seed\":11,\"ignore_eos\":true,\"stop\":"
        + new JsonArray().add(stop).encode());
    assertThat(text(cut)).isEqualTo(full.substring(0, full.indexOf(stop)));
    assertThat(cut.getJsonArray("choices").getJsonObject(0).getString("finish_reason")).isEqualTo("stop");
    await("bookings released", () -> routerActiveRequests() == 0);
  }

  @Test
  @Order(3)
  void shouldFailOverToTheNextRouterOnConnectionErrors() throws Exception {
    String dead = "http://127.0.0.1:" + TestGateway.deadPort();
    try (TestGateway twoRouters = TestGateway.start(GatewayConfig.forTest(List.of(dead, routerUrl)))) {
      for (int i = 0; i < 4; i++) {
        HttpResponse<String> r = twoRouters.post("/v1/completions", new JsonObject().put("prompt", "failover " + i)
            .put("max_tokens", 2).encode());
        assertThat(r.statusCode()).isEqualTo(200);
      }
    }
    await("bookings released", () -> routerActiveRequests() == 0);
  }

  @Test
  @Order(4)
  void shouldSendARepeatedLongPromptToTheSameWorkerAndReportCachedTokens() throws Exception {
    StringBuilder sb = new StringBuilder("Summarise this log.\n");
    for (int i = 0; i < 120; i++) {
      sb.append("line ").append(i).append(": request routed to worker with prefix reuse ").append(i * 7).append('\n');
    }
    String body = chatBody(sb.toString(), false, 4);
    HttpResponse<String> first = gw.post("/v1/chat/completions", body);
    assertThat(first.statusCode()).isEqualTo(200);
    String worker = first.headers().firstValue(ProxyExchange.WORKER_HEADER).orElseThrow();
    int promptTokens = new JsonObject(first.body()).getJsonObject("usage").getInteger("prompt_tokens");
    assertThat(promptTokens).isGreaterThan(1000);
    await("router indexed the prompt's blocks", () -> {
      for (Object o : routerWorkers()) {
        JsonObject w = (JsonObject) o;
        if (worker.equals(w.getString("worker_id")) && w.getInteger("tree_blocks", 0) >= promptTokens / 32 - 1) {
          return true;
        }
      }
      return false;
    });
    HttpResponse<String> second = gw.post("/v1/chat/completions", body);
    assertThat(second.statusCode()).isEqualTo(200);
    assertThat(second.headers().firstValue(ProxyExchange.WORKER_HEADER)).hasValue(worker);
    int cached = new JsonObject(second.body()).getJsonObject("usage").getJsonObject("prompt_tokens_details")
        .getInteger("cached_tokens");
    assertThat(cached).isGreaterThanOrEqualTo((promptTokens / 32 - 1) * 32);
    longPromptWorker = worker;
    longPromptBody = body;
  }

  private static String longPromptBody;

  @Test
  @Order(5)
  void shouldReleaseTheBookingAndCancelUpstreamWhenTheClientDisconnects() throws Exception {
    double cancelledBefore = cancelledAtAgents();
    disconnectAfterContentChunks(3);
    await("router active count back to 0", () -> routerActiveRequests() == 0);
    await("engines idle", () -> agents.stream().allMatch(a -> a.simEngine().engine().status().running() == 0
        && a.simEngine().engine().status().waiting() == 0));
    await("gateway counted the disconnect", () -> counter(gw, "kvroute.gateway.client.disconnects") >= 1);
    assertThat(cancelledAtAgents()).isGreaterThan(cancelledBefore);
  }

  private static double cancelledAtAgents() {
    double n = 0;
    for (Agent a : agents) {
      var c = a.metrics().registry().find("kvroute_agent_proxy_requests_total").tag("outcome", "cancelled")
          .counter();
      n += c == null ? 0 : c.count();
    }
    return n;
  }

  @Test
  @Order(5)
  void shouldTellTheRouterFirstTokenAndReleaseExactlyOncePerRequest() throws Exception {
    // the releases of earlier tests' requests must be counted before the snapshot, not inside this test's deltas
    await("earlier router calls answered", () -> gw.verticle.routerCallsInFlight() == 0);
    LifecycleCounts m = new LifecycleCounts();
    m.snapshot();
    assertThat(gw.post("/v1/chat/completions", chatBody("once and only once, streamed", true, 6)).statusCode())
        .isEqualTo(200);
    assertThat(gw.post("/v1/chat/completions", chatBody("once and only once, whole", false, 6)).statusCode())
        .isEqualTo(200);
    assertThat(gw.post("/v1/completions", new JsonObject().put("prompt", "once and only once").put("max_tokens", 6)
        .put("stream", true).encode()).statusCode()).isEqualTo(200);
    // a client that goes away mid-stream: the booking is released once, too
    disconnectAfterContentChunks(2);
    await("four releases answered", () -> m.delta("release", "ok") >= 4);
    await("four first_token calls answered", () -> m.delta("first_token", "ok") >= 4);
    await("router active count back to 0", () -> routerActiveRequests() == 0);
    // one more request after them: a duplicate call of an earlier request would have been answered by now
    assertThat(gw.post("/v1/completions", new JsonObject().put("prompt", "fence").put("max_tokens", 2).encode())
        .statusCode()).isEqualTo(200);
    await("fence released", () -> m.delta("release", "ok") >= 5);
    assertThat(m.delta("release", "ok")).isEqualTo(5);
    assertThat(m.delta("first_token", "ok")).isEqualTo(5);
    assertThat(m.delta("release", "not_active")).as("releases of bookings already released").isZero();
    assertThat(m.delta("first_token", "not_active")).isZero();
    assertThat(m.delta("release", "error") + m.delta("first_token", "error")).isZero();
  }

  /** Counts of the gateway's router lifecycle calls, relative to a snapshot. */
  private static final class LifecycleCounts {
    private final Map<String, Double> base = new java.util.HashMap<>();

    void snapshot() {
      for (String call : List.of("first_token", "release")) {
        for (String outcome : List.of("ok", "not_active", "error")) {
          base.put(call + outcome, gw.verticle.metrics().lifecycleCount(call, outcome));
        }
      }
    }

    double delta(String call, String outcome) {
      return gw.verticle.metrics().lifecycleCount(call, outcome) - base.get(call + outcome);
    }
  }

  /** Streams a long chat over a raw socket and closes it after {@code chunks} content chunks. */
  private static void disconnectAfterContentChunks(int chunks) throws Exception {
    String body = new JsonObject().put("messages", new JsonArray().add(new JsonObject().put("role", "user")
        .put("content", "Write a very long story."))).put("max_tokens", 20000).put("ignore_eos", true)
        .put("stream", true).encode();
    int port = Integer.parseInt(gw.base.substring(gw.base.lastIndexOf(':') + 1));
    try (Socket s = new Socket("127.0.0.1", port)) {
      OutputStream out = s.getOutputStream();
      byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
      out.write(("POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
          + "Content-Length: " + bytes.length + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
      out.write(bytes);
      out.flush();
      BufferedReader in = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.UTF_8));
      int contentChunks = 0;
      String line;
      while (contentChunks < chunks && (line = in.readLine()) != null) {
        if (line.contains("\"content\":\"") && !line.contains("\"content\":\"\"")) {
          contentChunks++;
        }
      }
      assertThat(contentChunks).isEqualTo(chunks);
      assertThat(routerActiveRequests()).isEqualTo(1);
    }
  }

  @Test
  @Order(6)
  void shouldRejectMalformedRequestsWithoutRouting() throws Exception {
    long routed = gw.registry.find("kvroute.gateway.router.latency").timers().stream().mapToLong(t -> t.count())
        .sum();
    for (String bad : List.of("{", "{\"messages\":[]}", "{\"messages\":[{\"role\":\"alien\",\"content\":\"x\"}]}",
        "{\"messages\":[{\"role\":\"user\",\"content\":\"x\"}],\"n\":2}",
        "{\"messages\":[{\"role\":\"user\",\"content\":\"x\"}],\"temperature\":\"hot\"}")) {
      HttpResponse<String> r = gw.post("/v1/chat/completions", bad);
      assertThat(r.statusCode()).as(bad).isBetween(400, 499);
      assertThat(new JsonObject(r.body()).getJsonObject("error").getString("type")).isEqualTo("invalid_request_error");
    }
    assertThat(gw.registry.find("kvroute.gateway.router.latency").timers().stream().mapToLong(t -> t.count()).sum())
        .isEqualTo(routed);
  }

  @Test
  @Order(7)
  void shouldRouteAroundAKilledAgent() throws Exception {
    assertThat(longPromptWorker).isNotNull();
    int victim = agents.get(0).config().workerId().equals(longPromptWorker) ? 0 : 1;
    // A long stream on the victim (it holds the prompt's blocks, so the router picks it), then kill it mid-stream:
    // the client must get an error event and the end of the stream, never a hang.
    JsonObject longStream = new JsonObject(longPromptBody).put("stream", true).put("max_tokens", 20000)
        .put("ignore_eos", true);
    HttpResponse<java.util.stream.Stream<String>> live = gw.postLines("/v1/chat/completions", longStream.encode());
    assertThat(live.statusCode()).isEqualTo(200);
    assertThat(live.headers().firstValue(ProxyExchange.WORKER_HEADER)).hasValue(longPromptWorker);
    List<String> lines = new ArrayList<>();
    int[] content = {0};
    java.util.Iterator<String> it = live.body().iterator();
    while (it.hasNext()) {
      String line = it.next();
      lines.add(line);
      if (line.contains("\"content\":\"") && !line.contains("\"content\":\"\"") && ++content[0] == 3) {
        agents.get(victim).stop().await(10, TimeUnit.SECONDS);
      }
    }
    List<String> data = sseData(String.join("\n", lines));
    assertThat(content[0]).isGreaterThanOrEqualTo(3);
    assertThat(data.get(data.size() - 1)).isEqualTo("[DONE]");
    JsonObject err = new JsonObject(data.get(data.size() - 2)).getJsonObject("error");
    assertThat(err).isNotNull();
    assertThat(err.getString("code")).isEqualTo("upstream_error");
    await("booking of the broken stream released", () -> routerActiveRequests() == 0);

    double retriesBefore = gw.verticle.metrics().retries();
    // The router still believes in the victim (TTL not expired) and prefers it: it holds the prompt's blocks.
    HttpResponse<String> r = gw.post("/v1/chat/completions", longPromptBody);
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.headers().firstValue(ProxyExchange.WORKER_HEADER)).isPresent().get().isNotEqualTo(longPromptWorker);
    assertThat(gw.verticle.metrics().retries()).isGreaterThan(retriesBefore);
    HttpResponse<String> streamed = gw.post("/v1/chat/completions", chatBody("hello again", true, 8));
    assertThat(streamed.statusCode()).isEqualTo(200);
    assertThat(sseData(streamed.body())).last().isEqualTo("[DONE]");
    await("bookings released", () -> routerActiveRequests() == 0);
  }

  @Test
  @Order(8)
  void shouldFallBackToRoundRobinWhenTheRouterIsGone() throws Exception {
    // The fallback gateway's directory is a cache refreshed every 2 s: its first refresh can run between the two
    // agents' registrations and hold only the agent killed in Order 7 until the next one. The fallback can only
    // reach a worker it knows, so wait until it knows the surviving one (the router still lists both).
    String survivor = agents.get(0).config().workerId().equals(longPromptWorker)
        ? agents.get(1).config().workerId() : agents.get(0).config().workerId();
    await("fallback gateway learned the surviving worker", () -> fallbackGw.verticle.knownWorkerIds().stream()
        .anyMatch(w -> w.startsWith(survivor + "=")));
    routerVertx.close().await(10, TimeUnit.SECONDS);
    routerVertx = null;
    HttpResponse<String> plain = gw.post("/v1/chat/completions", chatBody("anyone there?", false, 4));
    assertThat(plain.statusCode()).isEqualTo(503);
    assertThat(plain.headers().firstValue("retry-after")).isPresent();
    // Two requests: the rotation reaches the killed agent (the router never had time to drop it) on one of them,
    // and the fallback must retry that one on the live agent.
    for (int i = 0; i < 2; i++) {
      HttpResponse<String> r = fallbackGw.post("/v1/chat/completions", chatBody("anyone there?", false, 4));
      assertThat(r.statusCode()).as("known workers %s, answer %s", fallbackGw.verticle.knownWorkerIds(), r.body())
          .isEqualTo(200);
    }
    assertThat(fallbackGw.verticle.metrics().fallbacks()).isGreaterThanOrEqualTo(1);
  }
}

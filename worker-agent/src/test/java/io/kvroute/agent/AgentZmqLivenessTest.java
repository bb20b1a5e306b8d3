package io.kvroute.agent;

import static org.assertj.core.api.Assertions.assertThat;

import io.kvroute.agent.sim.SimConfig;
import io.kvroute.common.codec.LoadMetrics;
import io.vertx.core.http.HttpServer;
import io.vertx.core.json.JsonObject;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Liveness, readiness and load of the zmq adapter beside an idle engine: the engine's side is played by the test
 * (a ZMQ PUB that never publishes, and an HTTP server answering /health and a vLLM-style /metrics).
 */
@Timeout(60)
class AgentZmqLivenessTest {

  private static final String VLLM_METRICS = """
      # HELP vllm:num_requests_running Number of requests in model execution batches.
      # TYPE vllm:num_requests_running gauge
      vllm:num_requests_running{engine="0",model_name="Qwen/Qwen2.5-0.5B-Instruct"} 3.0
      # HELP vllm:num_requests_waiting Number of requests waiting to be processed.
      # TYPE vllm:num_requests_waiting gauge
      vllm:num_requests_waiting{engine="0",model_name="Qwen/Qwen2.5-0.5B-Instruct"} 5.0
      vllm:kv_cache_usage_perc{engine="0",model_name="Qwen/Qwen2.5-0.5B-Instruct"} 0.25
      vllm:broken{engine="0 1.0
      vllm:prompt_tokens_total{engine="0",model_name="Qwen/Qwen2.5-0.5B-Instruct"} 1234.0
      """;

  @RegisterExtension
  final AgentHarness harness = new AgentHarness();
  private FakeVllmEngine engine;
  private KvSubscriber sub;

  @BeforeEach
  void start() throws Exception {
    engine = harness.own(new FakeVllmEngine(false));
  }


  private AgentConfig zmqConfig(String health, String metrics) {
    return new AgentConfig(0, "worker-z", "zmq", "", engine.eventsEndpoints(), "", 0, 0, 0, 4, SimConfig.DEFAULT_MODEL,
        List.of(), "127.0.0.1", "127.0.0.1", 4096, "", SimConfig.defaults(), health, metrics);
  }

  private JsonObject ready() throws Exception {
    return new JsonObject(TestHttp.get(harness.url("/ready")).body());
  }

  /** Load messages received in a window after things settled: none while the engine is down. */
  private int loadMessagesDuring(long millis) throws InterruptedException {
    Thread.sleep(300); // whatever the publisher had already queued
    int before = sub.load().size();
    Thread.sleep(millis);
    return sub.load().size() - before;
  }

  @Test
  void shouldBeReadyBesideAnIdleEngineOnceSubscribedAndDownWhenItsSocketGoes() throws Exception {
    harness.start(zmqConfig("", ""));
    sub = harness.subscribe();

    // the engine never publishes: ready anyway once the subscription is connected
    Await.until("ready without any event", 10_000, () -> harness.readyStatus() == 200);
    assertThat(ready().getBoolean("events_seen")).isFalse();
    LoadMetrics load = sub.awaitLoad(l -> true, 10_000);
    assertThat(load.numRunningReqs()).isZero(); // no metrics URL: the agent's own proxied requests
    assertThat(harness.scrape()).contains("kvroute_agent_engine_up{worker_id=\"worker-z\"} 1");

    // the engine process goes away: its socket disconnects
    engine.closeEvents(0);
    Await.until("not ready", 10_000, () -> harness.readyStatus() == 503);
    assertThat(ready().getBoolean("engine_up")).isFalse();
    assertThat(harness.scrape()).contains("kvroute_agent_engine_up{worker_id=\"worker-z\"} 0");
    assertThat(loadMessagesDuring(500)).isZero();

    // it comes back on the same port
    engine.reopenEvents(0);
    Await.until("ready again", 15_000, () -> harness.readyStatus() == 200);
    int seen = sub.load().size();
    Await.until("load published again", 10_000, () -> sub.load().size() > seen);
  }

  @Test
  void shouldFollowTheHealthUrlAndPublishTheEnginesScrapedLoad() throws Exception {
    AtomicInteger healthStatus = new AtomicInteger(200);
    AtomicReference<String> metricsText = new AtomicReference<>(VLLM_METRICS);
    HttpServer engineHttp = TestAgents.await(harness.vertx().createHttpServer().requestHandler(req -> {
      switch (req.path()) {
        case "/health" -> req.response().setStatusCode(healthStatus.get()).end();
        case "/metrics" -> req.response().putHeader("content-type", "text/plain; version=0.0.4")
            .end(metricsText.get());
        default -> req.response().setStatusCode(404).end();
      }
    }).listen(0, "127.0.0.1"));
    String base = "http://127.0.0.1:" + engineHttp.actualPort();
    Agent agent = harness.start(zmqConfig(base + "/health", base + "/metrics"));
    sub = harness.subscribe();

    Await.until("ready", 10_000, () -> harness.readyStatus() == 200);
    LoadMetrics load = sub.awaitLoad(l -> l.numWaitingReqs() == 5, 10_000);
    assertThat(load.numRunningReqs()).isEqualTo(3);
    assertThat(load.kvCacheUsage()).isEqualTo(0.25);
    AgentMetrics m = agent.metrics();
    assertThat(m.count("kvroute_agent_dropped_total", "reason", "malformed_metrics_line")).isGreaterThanOrEqualTo(1);
    assertThat(m.count("kvroute_agent_engine_scrapes_total", "outcome", "ok")).isGreaterThanOrEqualTo(1);

    // the engine's gauges disappear: back to the agent's own count
    metricsText.set("# nothing known here\nother_metric 1\n");
    sub.awaitLoad(l -> l.numWaitingReqs() == 0 && l.kvCacheUsage() == 0.0, 10_000);

    // unhealthy engine (its ZMQ socket still connected): not ready, engine_up 0, nothing published
    healthStatus.set(503);
    Await.until("not ready", 10_000, () -> harness.readyStatus() == 503);
    JsonObject r = ready();
    assertThat(r.getBoolean("engine_up")).isFalse();
    assertThat(harness.scrape()).contains("kvroute_agent_engine_up{worker_id=\"worker-z\"} 0");
    assertThat(loadMessagesDuring(500)).isZero();

    metricsText.set(VLLM_METRICS);
    healthStatus.set(200);
    Await.until("ready again", 10_000, () -> harness.readyStatus() == 200);
    int seen = sub.load().size();
    sub.awaitLoad(l -> l.numWaitingReqs() == 5 && sub.load().indexOf(l) >= seen, 10_000);
    TestAgents.await(engineHttp.close());
  }

  @Test
  void shouldNotBeReadyWhileTheHealthUrlIsUnreachable() throws Exception {
    // a port nobody listens on: bind and close a server to get one
    HttpServer gone = TestAgents.await(harness.vertx().createHttpServer().requestHandler(req -> req.response().end())
        .listen(0, "127.0.0.1"));
    int deadPort = gone.actualPort();
    TestAgents.await(gone.close());
    Agent agent = harness.start(zmqConfig("http://127.0.0.1:" + deadPort + "/health", ""));
    sub = harness.subscribe();
    AgentMetrics m = agent.metrics();
    Await.until("health polled and failed twice", 10_000, () -> m.count("kvroute_agent_engine_polls_total",
        "outcome", "health_error") >= 2);
    assertThat(harness.readyStatus()).isEqualTo(503);
    assertThat(ready().getBoolean("engine_up")).isFalse();
    assertThat(loadMessagesDuring(300)).isZero();
  }
}

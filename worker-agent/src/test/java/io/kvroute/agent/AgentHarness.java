package io.kvroute.agent;

import io.vertx.core.Vertx;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import java.util.ArrayDeque;
import java.util.Deque;

/**
 * One agent under test on loopback: its Vert.x, the agent, when asked for a {@link KvSubscriber} on its two PUB
 * sockets, and the test's stand-ins around it ({@link #own}: a {@link FakeVllmEngine}, a {@link SimEngineProcess}).
 * Registered as a JUnit extension ({@code @RegisterExtension final AgentHarness harness = new AgentHarness();}) it
 * closes itself after each test: whatever was started stops, the agent first.
 */
public final class AgentHarness implements AutoCloseable, AfterEachCallback {

  private final Vertx vertx = Vertx.vertx();
  private Agent agent;
  private KvSubscriber subscriber;
  private final Deque<AutoCloseable> owned = new ArrayDeque<>();

  public Vertx vertx() {
    return vertx;
  }

  /** Closes {@code resource} with this harness: after the agent, before Vert.x (last owned, first closed). */
  public <T extends AutoCloseable> T own(T resource) {
    owned.push(resource);
    return resource;
  }

  /** Starts an agent (every port of {@code config} should be 0). */
  public Agent start(AgentConfig config) throws Exception {
    agent = TestAgents.await(Agent.start(vertx, config));
    return agent;
  }

  public Agent agent() {
    return agent;
  }

  /** Subscribes to the agent's KV and load-metrics streams. */
  public KvSubscriber subscribe() {
    subscriber = new KvSubscriber(agent.kvEventsPort(), agent.metricsPort());
    return subscriber;
  }

  /** The agent's HTTP URL of {@code path}. */
  public String url(String path) {
    return "http://127.0.0.1:" + agent.httpPort() + path;
  }

  /** Status of {@code GET /ready}. */
  public int readyStatus() throws Exception {
    return TestHttp.get(url("/ready")).statusCode();
  }

  /** Text of {@code GET /metrics}. */
  public String scrape() throws Exception {
    return TestHttp.get(url("/metrics")).body();
  }

  @Override
  public void afterEach(ExtensionContext context) throws Exception {
    close();
  }

  @Override
  public void close() throws Exception {
    if (subscriber != null) {
      subscriber.close();
    }
    if (agent != null) {
      TestAgents.await(agent.stop());
    }
    while (!owned.isEmpty()) {
      owned.pop().close();
    }
    TestAgents.await(vertx.close());
  }
}

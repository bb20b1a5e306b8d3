package io.kvroute.agent;

import io.kvroute.agent.sim.SimConfig;
import io.vertx.core.Future;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Agent configurations for tests: every port ephemeral, loopback only, fast simulated engine. */
public final class TestAgents {

  private TestAgents() {
  }

  public static AgentConfig sim(int blockSize, int numBlocks, int replayBuffer, List<String> routers) {
    return sim(blockSize, numBlocks, replayBuffer, routers, 1000.0);
  }

  public static AgentConfig sim(int blockSize, int numBlocks, int replayBuffer, List<String> routers,
      double speedup) {
    SimConfig sim = new SimConfig("127.0.0.1", 0, SimConfig.DEFAULT_MODEL, blockSize, numBlocks, 8, 512, speedup,
        32768, 100_000, 32768);
    return new AgentConfig(0, "worker-t", "sim", "", "", "", 0, 0, 0, blockSize, SimConfig.DEFAULT_MODEL, routers,
        "127.0.0.1", "127.0.0.1", replayBuffer, "", sim);
  }

  public static AgentConfig trtllm(String engineUrl, int blockSize) {
    return new AgentConfig(0, "worker-t", "trtllm", engineUrl, "", "", 0, 0, 0, blockSize, SimConfig.DEFAULT_MODEL,
        List.of(), "127.0.0.1", "127.0.0.1", 4096, "", SimConfig.defaults());
  }

  public static AgentConfig zmq(String events, String replay, int blockSize) {
    return new AgentConfig(0, "worker-z", "zmq", "", events, replay, 0, 0, 0, blockSize, SimConfig.DEFAULT_MODEL,
        List.of(), "127.0.0.1", "127.0.0.1", 4096, "", SimConfig.defaults());
  }

  public static <T> T await(Future<T> f) throws Exception {
    return f.toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
  }
}

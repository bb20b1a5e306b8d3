package io.kvroute.agent;

import io.kvroute.agent.sim.SimEngineMain;
import java.io.File;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A simulated engine in a JVM of its own ({@link SimEngineMain}, exactly as deployed standalone), so that a test can
 * kill it like a crashed engine process (SIGKILL) and start it again on the same port. Its log goes to
 * {@code target/sim-engine-<port>.log}.
 */
public final class SimEngineProcess implements AutoCloseable {

  private final Process process;
  private final int port;

  private SimEngineProcess(Process process, int port) {
    this.process = process;
    this.port = port;
  }

  /** A TCP port that was free a moment ago. */
  public static int freePort() throws Exception {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }

  /** Starts {@code SimEngineMain} on {@code port} and waits until its {@code /health} answers 200. */
  public static SimEngineProcess start(int port, List<String> engineArgs) throws Exception {
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    List<String> command = new java.util.ArrayList<>(List.of(java, "-Xmx256m", "-XX:TieredStopAtLevel=1",
        "-cp", System.getProperty("java.class.path"), SimEngineMain.class.getName(),
        "--host", "127.0.0.1", "--port", Integer.toString(port)));
    command.addAll(engineArgs);
    File log = Path.of("target", "sim-engine-" + port + ".log").toFile();
    Process p = new ProcessBuilder(command).redirectErrorStream(true)
        .redirectOutput(ProcessBuilder.Redirect.appendTo(log)).start();
    SimEngineProcess engine = new SimEngineProcess(p, port);
    try {
      Await.until("sim engine process on port " + port + " healthy (log: " + log + ")", 30_000, () -> {
        if (!p.isAlive()) {
          throw new AssertionError("sim engine process exited with " + p.exitValue() + ", log: " + log);
        }
        try {
          return TestHttp.get(engine.baseUrl() + "/health").statusCode() == 200;
        } catch (java.io.IOException e) {
          return false;
        }
      });
    } catch (Exception | AssertionError e) {
      engine.close();
      throw e;
    }
    return engine;
  }

  public String baseUrl() {
    return "http://127.0.0.1:" + port;
  }

  /** Kills the process at once (SIGKILL: no shutdown hook, no goodbye) and waits for it to be gone. */
  public void kill() throws InterruptedException {
    process.destroyForcibly();
    process.waitFor(10, TimeUnit.SECONDS);
  }

  @Override
  public void close() throws InterruptedException {
    if (process.isAlive()) {
      kill();
    }
  }
}

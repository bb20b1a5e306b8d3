package io.kvroute.agent;

import java.util.concurrent.Callable;

/** Bounded polling for conditions reached by other threads. */
public final class Await {

  private Await() {
  }

  public static void until(String what, long timeoutMs, Callable<Boolean> condition) throws Exception {
    long deadline = System.nanoTime() + timeoutMs * 1_000_000L;
    while (System.nanoTime() - deadline < 0) {
      if (Boolean.TRUE.equals(condition.call())) {
        return;
      }
      Thread.sleep(10);
    }
    throw new AssertionError("timed out after " + timeoutMs + " ms waiting for: " + what);
  }
}

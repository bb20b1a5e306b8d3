package io.kvroute.agent.engine;

import java.util.concurrent.locks.LockSupport;

/**
 * The daemon thread an engine poller runs its loop on: the loop checks {@link #running()} and parks between polls;
 * {@link #close()} stops it, wakes it from its park and waits for it to end.
 */
final class PollingThread {

  private static final long JOIN_MILLIS = 3000;

  private volatile boolean stopped;
  private Thread thread;

  /** Starts {@code loop} on a new daemon thread called {@code name}. */
  void start(String name, Runnable loop) {
    thread = new Thread(loop, name);
    thread.setDaemon(true);
    thread.start();
  }

  /** False once {@link #stop()} or {@link #close()} was called. */
  boolean running() {
    return !stopped;
  }

  /** Asks the loop to end at its next check (from the loop itself, e.g. when interrupted). */
  void stop() {
    stopped = true;
  }

  /** Stops the loop and waits up to 3 s for its thread to end; a poller never started is just marked stopped. */
  void close() {
    stopped = true;
    if (thread != null) {
      LockSupport.unpark(thread);
      try {
        thread.join(JOIN_MILLIS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }
}

package io.kvroute.agent.sim;

import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;

/**
 * How simulated time passes for the engine loop: the {@link TimingModel} says how long a step takes, the clock makes
 * that time pass. {@link #REAL} waits in real time; tests pass a clock that jumps to the deadline at once, so that
 * every step lasts exactly its modelled duration and nothing sleeps.
 */
interface SimClock {

  /** Now, in nanoseconds (only differences count). */
  long nanoTime();

  /** Returns once {@link #nanoTime()} has reached {@code deadlineNanos}, or earlier when {@code stopped} says so. */
  void awaitDeadline(long deadlineNanos, BooleanSupplier stopped);

  /** Real time: parks the engine thread until the deadline. */
  SimClock REAL = new SimClock() {
    @Override
    public long nanoTime() {
      return System.nanoTime();
    }

    @Override
    public void awaitDeadline(long deadlineNanos, BooleanSupplier stopped) {
      for (long now = System.nanoTime(); deadlineNanos - now > 0 && !stopped.getAsBoolean(); now = System.nanoTime()) {
        LockSupport.parkNanos(deadlineNanos - now);
      }
    }
  };
}

package io.kvroute.agent.sim;

import java.util.function.BooleanSupplier;

/**
 * Makes the engine loop's modelled step times pass on a {@link SimClock}. Steps are laid end to end on a timeline,
 * and the loop waits only once the timeline is at least {@link #MIN_WAIT_NANOS} ahead of the clock.
 * <p>
 * Why: a thread cannot sleep for a few microseconds. A park on Linux lasts at least the timer slack (50 µs) plus a
 * wake-up, so at {@code --speedup 1000}, where a decode step is modelled at ~6 µs, waiting for every step made each
 * one last ~60 µs: the engine ran ten times slower than its model and woke up once per step. Laid on a timeline, a
 * park's overshoot is made up by the steps after it, so over any stretch of work the engine keeps the model's pace,
 * and no step ends more than {@link #MIN_WAIT_NANOS} before its modelled time. Time the loop could not run at all
 * (a busy CPU, a GC pause) is not made up: once the clock is more than {@link #MIN_WAIT_NANOS} past the timeline,
 * the timeline restarts from now, as an engine whose scheduler was stalled would also be late. At realistic
 * speed-ups every step is longer than the threshold and is waited for as before, each park's overshoot taken off the
 * next wait.
 * Not thread-safe: the engine thread's.
 */
final class StepPacer {

  static final long MIN_WAIT_NANOS = 100_000L;

  private final SimClock clock;
  private long timeline;
  private boolean idle = true;

  StepPacer(SimClock clock) {
    this.clock = clock;
  }

  /** The engine has no work: the next step starts a new timeline at the clock's now. */
  void idle() {
    idle = true;
  }

  /** Lays a step of {@code stepNanos} on the timeline and returns once the clock is within reach of its end. */
  void pace(long stepNanos, BooleanSupplier stopped) {
    long now = clock.nanoTime();
    if (idle || now - timeline > MIN_WAIT_NANOS) {
      timeline = now;
    }
    idle = false;
    timeline += stepNanos;
    if (timeline - now >= MIN_WAIT_NANOS) {
      clock.awaitDeadline(timeline, stopped);
    }
  }
}

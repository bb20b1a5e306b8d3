package io.kvroute.agent.sim;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Test;

/** The engine loop's pacing, on a clock whose every wait overshoots as a park does. */
class StepPacerTest {

  private static final long US = 1_000L;
  private static final long MS = 1_000_000L;

  /** Simulated time: each wait ends {@code overshoot} after its deadline; {@link #stall} passes time with no wait. */
  private static final class OvershootingClock implements SimClock {
    private final long overshoot;
    private long now = 1_000 * MS;
    final List<Long> waits = new ArrayList<>();

    OvershootingClock(long overshoot) {
      this.overshoot = overshoot;
    }

    @Override
    public long nanoTime() {
      return now;
    }

    @Override
    public void awaitDeadline(long deadlineNanos, BooleanSupplier stopped) {
      waits.add(deadlineNanos - now);
      now = Math.max(now, deadlineNanos + overshoot);
    }

    void stall(long nanos) {
      now += nanos;
    }
  }

  @Test
  void shouldKeepTheModelsPaceForStepsShorterThanAParkCanLast() {
    OvershootingClock clock = new OvershootingClock(60 * US);
    StepPacer pacer = new StepPacer(clock);
    long start = clock.nanoTime();
    for (int i = 0; i < 1000; i++) {
      pacer.pace(6 * US, () -> false);
    }
    // 1000 modelled steps of 6 µs take 6 ms, give or take one wait's overshoot, not 1000 parks of 60 µs each
    assertThat(clock.nanoTime() - start).isBetween(6 * MS - StepPacer.MIN_WAIT_NANOS, 6 * MS + 60 * US);
    assertThat(clock.waits).hasSizeLessThanOrEqualTo((int) (6 * MS / StepPacer.MIN_WAIT_NANOS));
    assertThat(clock.waits).allMatch(w -> w >= StepPacer.MIN_WAIT_NANOS);
  }

  @Test
  void shouldWaitForEveryLongStepAndMakeUpEachOvershootInTheNext() {
    OvershootingClock clock = new OvershootingClock(60 * US);
    StepPacer pacer = new StepPacer(clock);
    long start = clock.nanoTime();
    for (int i = 0; i < 10; i++) {
      pacer.pace(5 * MS, () -> false);
    }
    assertThat(clock.waits).hasSize(10);
    assertThat(clock.waits.get(0)).isEqualTo(5 * MS);
    assertThat(clock.waits.subList(1, 10)).containsOnly(5 * MS - 60 * US);
    assertThat(clock.nanoTime() - start).isEqualTo(50 * MS + 60 * US);
  }

  @Test
  void shouldNotMakeUpTimeTheLoopCouldNotRun() {
    OvershootingClock clock = new OvershootingClock(0);
    StepPacer pacer = new StepPacer(clock);
    pacer.pace(2 * MS, () -> false);
    clock.stall(10 * MS); // e.g. a GC pause: the next step is late, and the ones after it are not hurried
    pacer.pace(2 * MS, () -> false);
    pacer.pace(2 * MS, () -> false);
    assertThat(clock.waits).containsExactly(2 * MS, 2 * MS, 2 * MS);
  }

  @Test
  void shouldStartANewTimelineAfterIdling() {
    OvershootingClock clock = new OvershootingClock(0);
    StepPacer pacer = new StepPacer(clock);
    pacer.pace(50 * US, () -> false); // ahead by less than a park can wait: no wait
    pacer.idle();
    clock.stall(40 * US);
    pacer.pace(80 * US, () -> false); // a new timeline: 80 µs ahead, still no wait
    pacer.pace(80 * US, () -> false); // 160 µs ahead: waits for it
    assertThat(clock.waits).containsExactly(160 * US);
  }
}

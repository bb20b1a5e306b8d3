package io.kvroute.agent.sim;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

/** The mocker's polynomial step model (DESIGN §7, reference notes §6), divided by the speed-up. */
class TimingModelTest {

  /** Prefill ms for t new tokens, as written in DESIGN §7. */
  static double prefill(double t) {
    return 4.209989e-7 * t * t + 1.518344e-2 * t + 16.50142;
  }

  /** Decode ms at KV usage p, as written in reference notes §6. */
  static double decode(double p) {
    return -25.74 * p * p + 54.01 * p + 5.74;
  }

  @Test
  void shouldFollowThePolynomialsDividedByTheSpeedup() {
    TimingModel real = new TimingModel(1.0);
    TimingModel fast = new TimingModel(40.0);
    for (int t : new int[] {1, 32, 512, 3000, 8192}) {
      assertThat(real.prefillMs(t)).isCloseTo(prefill(t), within(1e-9));
      assertThat(fast.prefillMs(t)).isCloseTo(prefill(t) / 40, within(1e-9));
    }
    assertThat(real.prefillMs(0)).isZero();
    for (double p : new double[] {0.0, 0.25, 0.5, 1.0}) {
      assertThat(real.decodeMs(p)).isCloseTo(decode(p), within(1e-9));
      assertThat(fast.decodeMs(p)).isCloseTo(decode(p) / 40, within(1e-9));
    }
    // usage outside 0..1 is clamped
    assertThat(real.decodeMs(1.7)).isEqualTo(real.decodeMs(1.0));
    assertThat(real.decodeMs(-0.2)).isEqualTo(real.decodeMs(0.0));
  }

  @Test
  void shouldAddPrefillAndDecodeInOneStep() {
    TimingModel m = new TimingModel(2.0);
    assertThat(m.stepNanos(100, 3, 0.5)).isEqualTo((long) ((prefill(100) + decode(0.5)) / 2 * 1e6));
    assertThat(m.stepNanos(100, 0, 0.5)).isEqualTo((long) (prefill(100) / 2 * 1e6));
    assertThat(m.stepNanos(0, 1, 0.0)).isEqualTo((long) (decode(0.0) / 2 * 1e6));
    assertThatThrownBy(() -> new TimingModel(0)).isInstanceOf(IllegalArgumentException.class);
  }
}

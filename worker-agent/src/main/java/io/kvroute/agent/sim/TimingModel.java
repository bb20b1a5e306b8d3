package io.kvroute.agent.sim;

/**
 * Step durations of the simulated engine (DESIGN §7, reference notes §6): the mocker's polynomial model, all
 * times divided by the speed-up factor.
 */
public final class TimingModel {

  private final double speedup;

  public TimingModel(double speedup) {
    if (!(speedup > 0)) {
      throw new IllegalArgumentException("speedup must be positive: " + speedup);
    }
    this.speedup = speedup;
  }

  /** Prefill milliseconds for {@code newTokens} tokens computed in one step (0 when none). */
  public double prefillMs(int newTokens) {
    if (newTokens <= 0) {
      return 0;
    }
    double t = newTokens;
    return (4.209989e-7 * t * t + 1.518344e-2 * t + 16.50142) / speedup;
  }

  /** Decode milliseconds for one step, from the KV usage fraction {@code p} (active / total KV tokens). */
  public double decodeMs(double p) {
    double u = Math.max(0.0, Math.min(1.0, p));
    double ms = Math.max(1.0, -25.74 * u * u + 54.01 * u + 5.74);
    return ms / speedup;
  }

  /** Duration of a step that computes {@code prefillTokens} prefill tokens and {@code decodeRequests} decodes. */
  public long stepNanos(int prefillTokens, int decodeRequests, double kvUsage) {
    double ms = prefillMs(prefillTokens) + (decodeRequests > 0 ? decodeMs(kvUsage) : 0.0);
    return (long) (ms * 1_000_000.0);
  }
}

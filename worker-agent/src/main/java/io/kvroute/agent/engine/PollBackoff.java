package io.kvroute.agent.engine;

/**
 * The delay before the trtllm adapter's next {@code /kv_cache_events} poll (DESIGN §3: "every ~10 ms with backoff"):
 * 10 ms after a poll that brought events; doubling up to 50 ms while the engine answers with nothing (or with
 * garbage); 20 ms, 40 ms, ... doubling up to 2 s while the engine cannot be reached, so that a dead engine costs
 * little and a restarted one is seen again within 2 s. Not thread-safe: the poller thread's.
 */
final class PollBackoff {

  static final long BASE_NANOS = 10_000_000L;
  static final long MAX_EMPTY_NANOS = 50_000_000L;
  static final long MAX_FAILURE_NANOS = 2_000_000_000L;

  private long delay = BASE_NANOS;
  private int failures;

  /** A poll brought events. */
  long onEvents() {
    failures = 0;
    delay = BASE_NANOS;
    return delay;
  }

  /** The engine answered, with nothing usable. */
  long onEmpty() {
    failures = 0;
    delay = Math.min(delay * 2, MAX_EMPTY_NANOS);
    return delay;
  }

  /** The engine could not be reached (refused, timeout, non-200). */
  long onFailure() {
    failures++;
    delay = Math.min(BASE_NANOS << Math.min(failures, 8), MAX_FAILURE_NANOS);
    return delay;
  }

  /** The current delay. */
  long delay() {
    return delay;
  }

  /** Failed polls in a row. */
  int failures() {
    return failures;
  }
}

package io.kvroute.agent.engine;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** The trtllm adapter's poll delays: ~10 ms while events flow, backing off while empty or unreachable. */
class PollBackoffTest {

  private static final long MS = 1_000_000L;

  @Test
  void shouldPollEvery10MsWhileEventsFlowAndBackOffTo50MsWhileEmpty() {
    PollBackoff b = new PollBackoff();
    assertThat(b.delay()).isEqualTo(10 * MS);
    assertThat(b.onEmpty()).isEqualTo(20 * MS);
    assertThat(b.onEmpty()).isEqualTo(40 * MS);
    assertThat(b.onEmpty()).isEqualTo(50 * MS);
    assertThat(b.onEmpty()).isEqualTo(50 * MS);
    assertThat(b.onEvents()).isEqualTo(10 * MS);
  }

  @Test
  void shouldBackOffExponentiallyTo2sWhileTheEngineIsUnreachableAndComeBackAtOnce() {
    PollBackoff b = new PollBackoff();
    long[] expected = {20, 40, 80, 160, 320, 640, 1280, 2000, 2000, 2000};
    for (long ms : expected) {
      assertThat(b.onFailure()).isEqualTo(ms * MS);
    }
    assertThat(b.failures()).isEqualTo(expected.length);
    // the engine answers again: an empty answer already brings the delay down to 50 ms, events to 10 ms
    assertThat(b.onEmpty()).isEqualTo(50 * MS);
    assertThat(b.failures()).isZero();
    assertThat(b.onFailure()).isEqualTo(20 * MS);
    assertThat(b.onEvents()).isEqualTo(10 * MS);
  }
}

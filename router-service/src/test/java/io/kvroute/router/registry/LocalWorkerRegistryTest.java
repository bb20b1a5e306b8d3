package io.kvroute.router.registry;

import static org.assertj.core.api.Assertions.assertThat;

import io.kvroute.router.core.Candidate;
import io.kvroute.router.core.Target;
import io.kvroute.router.testing.MutableClock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class LocalWorkerRegistryTest {

  private final MutableClock clock = new MutableClock();
  private final WorkerRegistry registry = WorkerRegistry.local(32, Duration.ofSeconds(10), Duration.ofSeconds(30),
      clock);
  private final List<String> events = new ArrayList<>();

  {
    registry.addListener(new WorkerRegistry.Listener() {
      @Override
      public void onAdded(WorkerSpec spec, WorkerSpec previous) {
        events.add("added " + spec.id() + (previous == null ? "" : " again"));
      }

      @Override
      public void onRemoved(String workerId) {
        events.add("removed " + workerId);
      }

      @Override
      public void onExpired(String workerId) {
        events.add("expired " + workerId);
      }
    });
  }

  private static WorkerSpec spec(String id, int blockSize, int dp) {
    return new WorkerSpec(id, "http://127.0.0.1:1", "tcp://127.0.0.1:2", "tcp://127.0.0.1:3", blockSize, "m", dp);
  }

  @Test
  void shouldListEveryDpRankOfEligibleWorkersAsCandidates() {
    registry.register(spec("w0", 32, 2), "registered");
    registry.register(spec("w1", 32, 1), "static");
    assertThat(registry.candidates(null)).extracting(Candidate::target).containsExactly(new Target("w0", 0),
        new Target("w0", 1), new Target("w1", 0));
    assertThat(registry.candidates(Set.of("w0"))).extracting(Candidate::target)
        .containsExactly(new Target("w1", 0));
    assertThat(registry.url("w0")).isEqualTo("http://127.0.0.1:1");
  }

  @Test
  void shouldMarkSilentWorkersDownAfterTheTtlAndExpireThemAfterTheGrace() {
    registry.register(spec("w0", 32, 1), "registered");
    clock.advance(Duration.ofMillis(9_000));
    registry.sweep();
    assertThat(registry.candidates(null)).hasSize(1);
    clock.advance(Duration.ofMillis(2_000));
    registry.sweep();
    assertThat(registry.get("w0").orElseThrow().state()).isEqualTo(WorkerState.DOWN);
    assertThat(registry.candidates(null)).isEmpty();
    clock.advance(Duration.ofMillis(29_000));
    registry.sweep();
    assertThat(events).containsExactly("added w0");
    clock.advance(Duration.ofMillis(2_000));
    registry.sweep();
    assertThat(events).containsExactly("added w0", "expired w0");
    // A heartbeat brings it back and asks for a new bootstrap.
    registry.register(spec("w0", 32, 1), "registered");
    assertThat(registry.get("w0").orElseThrow().state()).isEqualTo(WorkerState.UP);
    assertThat(events).containsExactly("added w0", "expired w0", "added w0 again");
  }

  @Test
  void shouldKeepWorkersUpWhileMetricsArrive() {
    registry.register(spec("w0", 32, 1), "static");
    for (int i = 0; i < 5; i++) {
      clock.advance(Duration.ofMillis(8_000));
      registry.touch("w0");
      registry.sweep();
    }
    assertThat(registry.get("w0").orElseThrow().state()).isEqualTo(WorkerState.UP);
  }

  @Test
  void shouldFlagAnotherBlockSizeAsMisconfiguredAndNeverRouteToIt() {
    WorkerRegistry.Registration r = registry.register(spec("w0", 16, 1), "registered");
    assertThat(r.created()).isTrue();
    assertThat(r.view().state()).isEqualTo(WorkerState.MISCONFIGURED);
    assertThat(r.view().detail()).contains("16").contains("32");
    assertThat(registry.candidates(null)).isEmpty();
    assertThat(registry.isMisconfigured("w0")).isTrue();
    // Re-registering with the right block size clears the flag.
    registry.register(spec("w0", 32, 1), "registered");
    assertThat(registry.isMisconfigured("w0")).isFalse();
    assertThat(registry.candidates(null)).hasSize(1);
  }

  @Test
  void shouldDrainAndRemove() {
    registry.register(spec("w0", 32, 1), "registered");
    assertThat(registry.setDraining("w0", true)).isTrue();
    assertThat(registry.candidates(null)).isEmpty();
    assertThat(registry.get("w0").orElseThrow().eligible()).isFalse();
    assertThat(registry.setDraining("nope", true)).isFalse();
    assertThat(registry.remove("w0")).isTrue();
    assertThat(registry.remove("w0")).isFalse();
    assertThat(events).containsExactly("added w0", "removed w0");
  }

  @Test
  void shouldTreatARepeatedRegistrationAsAHeartbeat() {
    registry.register(spec("w0", 32, 1), "registered");
    clock.advance(Duration.ofMillis(9_000));
    WorkerRegistry.Registration again = registry.register(spec("w0", 32, 1), "registered");
    assertThat(again.created()).isFalse();
    clock.advance(Duration.ofMillis(9_000));
    registry.sweep();
    assertThat(registry.get("w0").orElseThrow().state()).isEqualTo(WorkerState.UP);
    assertThat(events).containsExactly("added w0");
  }
}

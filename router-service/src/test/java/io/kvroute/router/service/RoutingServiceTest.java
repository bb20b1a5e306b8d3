package io.kvroute.router.service;

import static org.assertj.core.api.Assertions.assertThat;

import io.kvroute.router.core.RouteDecision;
import io.kvroute.router.core.RouteQuery;
import io.kvroute.router.core.RouterCore;
import io.kvroute.router.core.RouterCoreConfig;
import io.kvroute.router.core.Target;
import io.kvroute.router.metrics.RouterMetrics;
import io.kvroute.router.registry.WorkerRegistry;
import io.kvroute.router.registry.WorkerSpec;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class RoutingServiceTest {

  private final RouterCore core = RouterCore.create(RouterCoreConfig.defaults(32), Clock.systemUTC());
  private final WorkerRegistry registry = WorkerRegistry.local(32, Duration.ofSeconds(10), Duration.ofSeconds(10),
      Clock.systemUTC());
  private final RoutingService service = new RoutingService(core, registry, new RouterMetrics(), "kv");
  private final List<String> deltas = new ArrayList<>();

  {
    service.addLoadListener(new LoadDeltaListener() {
      @Override
      public void onBooked(String requestId, Target target, long[] localHashes, int numTokens, int overlapBlocks) {
        deltas.add("booked " + requestId + " on " + target + " blocks=" + localHashes.length + " tokens=" + numTokens);
      }

      @Override
      public void onPrefillDone(String requestId) {
        deltas.add("prefill " + requestId);
      }

      @Override
      public void onReleased(String requestId) {
        deltas.add("released " + requestId);
      }
    });
  }

  @AfterEach
  void close() {
    core.close();
  }

  @Test
  void shouldPublishLoadDeltasForEveryBookingPrefillAndRelease() {
    registry.register(new WorkerSpec("w0", null, null, null, 32, null, 1), "static");
    RouteDecision d = service.route(new RouteQuery("r1", new long[] {1, 2}, 64, 10, null), Set.of());
    assertThat(d.target()).isEqualTo(new Target("w0", 0));
    assertThat(service.firstToken("r1")).isTrue();
    assertThat(service.firstToken("nope")).isFalse();
    // Routing the same id again moves its booking: released, then booked anew.
    service.route(new RouteQuery("r1", new long[] {1}, 32, 10, null), Set.of());
    assertThat(service.release("r1")).isTrue();
    assertThat(service.release("r1")).isFalse();
    assertThat(deltas).containsExactly("booked r1 on w0 blocks=2 tokens=64", "prefill r1", "released r1",
        "booked r1 on w0 blocks=1 tokens=32", "released r1");
    assertThat(core.loads()).isEmpty();
  }

  @Test
  void shouldNotBookWhenNoWorkerIsEligible() {
    registry.register(new WorkerSpec("w0", null, null, null, 32, null, 1), "static");
    RouteDecision d = service.route(new RouteQuery("r1", new long[] {1}, 32, 0, null), Set.of("w0"));
    assertThat(d.target()).isNull();
    assertThat(deltas).isEmpty();
    assertThat(core.loads()).isEmpty();
  }
}

package io.kvroute.router.http;

import io.kvroute.common.hash.BlockHasher;
import io.kvroute.router.metrics.RouterMetrics;
import io.kvroute.router.registry.WorkerRegistry;
import io.kvroute.router.service.RoutingService;
import java.util.Set;

/**
 * What the HTTP handlers share: the routing service, registry, metrics and fixed settings. One instance is used by
 * every HTTP verticle instance (all members are thread-safe).
 */
public record ApiContext(RoutingService routing, WorkerRegistry registry, RouterMetrics metrics, int blockSize,
    String defaultPolicy, long maxBodyBytes, BlockHasher baseHasher) {

  /** Policy names the core understands. */
  public static final Set<String> POLICIES = Set.copyOf(io.kvroute.router.core.policy.Policies.NAMES);

  public static ApiContext create(RoutingService routing, WorkerRegistry registry, RouterMetrics metrics,
      int blockSize, String defaultPolicy, long maxBodyBytes) {
    return new ApiContext(routing, registry, metrics, blockSize, defaultPolicy, maxBodyBytes,
        BlockHasher.create(blockSize));
  }

  /**
   * Whether the index is usable: every live, well-configured worker has been bootstrapped or is served live-only
   * (no agent, or an agent that never answered the first snapshot attempts).
   */
  public boolean ready() {
    for (var v : registry.all()) {
      if (v.state() == io.kvroute.router.registry.WorkerState.UP && !v.indexReady()) {
        return false;
      }
    }
    return true;
  }
}

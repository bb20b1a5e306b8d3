package io.kvroute.router.service;

import io.kvroute.router.core.Candidate;
import io.kvroute.router.core.CandidateScore;
import io.kvroute.router.core.RouteDecision;
import io.kvroute.router.core.RouteQuery;
import io.kvroute.router.core.RouterCore;
import io.kvroute.router.metrics.RouterMetrics;
import io.kvroute.router.registry.WorkerRegistry;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * Routing decisions as the HTTP API needs them: eligible candidates from the registry, the core's decision, load
 * bookkeeping with delta hooks, and decision metrics. Thread-safe; called from every HTTP event loop.
 */
public final class RoutingService {

  private final RouterCore core;
  private final WorkerRegistry registry;
  private final RouterMetrics metrics;
  private final String defaultPolicy;
  private final List<LoadDeltaListener> loadListeners = new CopyOnWriteArrayList<>();

  public RoutingService(RouterCore core, WorkerRegistry registry, RouterMetrics metrics, String defaultPolicy) {
    this.core = core;
    this.registry = registry;
    this.metrics = metrics;
    this.defaultPolicy = defaultPolicy;
  }

  public void addLoadListener(LoadDeltaListener listener) {
    loadListeners.add(listener);
  }

  public RouterCore core() {
    return core;
  }

  public WorkerRegistry registry() {
    return registry;
  }

  /**
   * Routes and books (when {@code query.requestId()} is non-null). A request id that is still active is released
   * first, so a retried route moves its booking instead of doubling it. Returns a decision with a null target when
   * no worker is eligible.
   */
  public RouteDecision route(RouteQuery query, Set<String> exclude) {
    long start = System.nanoTime();
    List<Candidate> candidates = registry.candidates(exclude);
    if (candidates.isEmpty()) {
      metrics.noWorker();
      return new RouteDecision(null, 0, 0, 0.0, policyName(query));
    }
    String requestId = query.requestId();
    if (requestId != null && core.release(requestId)) {
      fireReleased(requestId);
    }
    RouteDecision d = core.route(query, candidates);
    if (d.target() == null) {
      metrics.noWorker();
      return d;
    }
    metrics.decision(d.policy() == null ? policyName(query) : d.policy(), d.target().workerId(), d.overlapBlocks(),
        System.nanoTime() - start);
    if (requestId != null && !loadListeners.isEmpty()) {
      for (LoadDeltaListener l : loadListeners) {
        l.onBooked(requestId, d.target(), query.localHashes(), query.numTokens(), d.overlapBlocks());
      }
    }
    return d;
  }

  /** Dry run over the eligible candidates; books nothing. */
  public List<CandidateScore> score(RouteQuery query, Set<String> exclude) {
    List<Candidate> candidates = registry.candidates(exclude);
    if (candidates.isEmpty()) {
      return List.of();
    }
    return core.score(query, candidates);
  }

  public boolean firstToken(String requestId) {
    boolean known = core.prefillDone(requestId);
    if (known) {
      for (LoadDeltaListener l : loadListeners) {
        l.onPrefillDone(requestId);
      }
    }
    return known;
  }

  public boolean release(String requestId) {
    boolean known = core.release(requestId);
    if (known) {
      fireReleased(requestId);
    }
    return known;
  }

  private void fireReleased(String requestId) {
    for (LoadDeltaListener l : loadListeners) {
      l.onReleased(requestId);
    }
  }

  private String policyName(RouteQuery query) {
    return query.policy() == null ? defaultPolicy : query.policy();
  }
}

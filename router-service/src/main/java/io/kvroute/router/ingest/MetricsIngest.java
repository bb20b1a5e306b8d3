package io.kvroute.router.ingest;

import io.kvroute.common.codec.DecodeException;
import io.kvroute.common.codec.LoadMetrics;
import io.kvroute.common.codec.LoadMetricsCodec;
import io.kvroute.router.core.RouterCore;
import io.kvroute.router.core.WorkerMetrics;
import io.kvroute.router.registry.WorkerRegistry;
import io.kvroute.router.registry.WorkerSpec;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Owns every load-metrics SUB socket (CONFLATE: only the latest message matters) on one thread; each message
 * updates the core's view of the worker's load and counts as a liveness signal for the registry.
 */
public final class MetricsIngest implements WorkerRegistry.Listener, AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(MetricsIngest.class);

  private final RouterCore core;
  private final WorkerRegistry registry;
  private final IngestListener listener;
  private final SubscriberLoop loop;
  private final Map<String, String> endpoints = new HashMap<>();

  public MetricsIngest(RouterCore core, WorkerRegistry registry, IngestListener listener) {
    this.core = core;
    this.registry = registry;
    this.listener = listener;
    this.loop = new SubscriberLoop("metrics-ingest", 1000, () -> { });
  }

  public MetricsIngest start() {
    loop.start();
    return this;
  }

  @Override
  public void onAdded(WorkerSpec spec, WorkerSpec previous) {
    String id = spec.id();
    String endpoint = spec.metricsEndpoint();
    loop.execute(() -> {
      if (endpoint == null || endpoint.isBlank()) {
        if (endpoints.remove(id) != null) {
          loop.unsubscribe(id);
        }
        return;
      }
      if (endpoint.equals(endpoints.get(id))) {
        return;
      }
      endpoints.put(id, endpoint);
      loop.subscribe(id, endpoint, true, frames -> onMessage(id, frames));
    });
  }

  @Override
  public void onRemoved(String workerId) {
    loop.execute(() -> {
      if (endpoints.remove(workerId) != null) {
        loop.unsubscribe(workerId);
      }
    });
  }

  @Override
  public void onExpired(String workerId) {
    // Keeps listening: the next metrics message revives the worker.
  }

  private void onMessage(String workerId, List<byte[]> frames) {
    LoadMetrics m;
    try {
      m = LoadMetricsCodec.decode(frames.get(frames.size() - 1));
    } catch (DecodeException e) {
      listener.dropped(workerId, "bad_metrics", 1);
      LOG.warn("metrics message refused worker={} detail=\"{}\"", workerId, e.getMessage());
      return;
    }
    registry.touch(workerId);
    core.onMetrics(workerId, new WorkerMetrics(m.numWaitingReqs(), m.kvCacheUsage(), m.numRunningReqs(),
        m.kvUsedBlocks(), m.kvTotalBlocks()));
  }

  @Override
  public void close() {
    loop.close();
  }
}

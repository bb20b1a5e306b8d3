package io.kvroute.router.cluster;

import com.hazelcast.core.EntryEvent;
import com.hazelcast.map.IMap;
import com.hazelcast.map.listener.EntryAddedListener;
import com.hazelcast.map.listener.EntryRemovedListener;
import com.hazelcast.map.listener.EntryUpdatedListener;
import io.kvroute.common.codec.DecodeException;
import io.kvroute.router.cluster.WorkerRecordCodec.WorkerRecord;
import io.kvroute.router.core.Candidate;
import io.kvroute.router.registry.WorkerRegistry;
import io.kvroute.router.registry.WorkerSpec;
import io.kvroute.router.registry.WorkerView;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The worker registry shared by the replicas. Each replica keeps its own local registry (liveness, candidates,
 * bootstrap state, listeners: the routing hot path never touches the cluster) and mirrors it through two maps:
 * {@code workers} (id → {@link WorkerRecordCodec} record, re-put on every registration/heartbeat with a TTL of
 * worker TTL + down grace, so a worker nobody hears from leaves the map) and {@code drains} (id → true).
 *
 * <p>A registration received by any replica is written to the map; the map's entry events re-register it on every
 * other replica (a heartbeat there too; a new worker fires the local listeners, so every replica subscribes to the
 * worker's ZMQ streams and bootstraps from its snapshot). Removal and drain flags travel the same way. Static
 * workers stay local: every replica has the same static configuration. Writes are asynchronous (never blocking
 * an event loop); entry events arrive on Hazelcast's event threads.
 */
final class SharedWorkerRegistry implements WorkerRegistry {

  private static final Logger LOG = LoggerFactory.getLogger(SharedWorkerRegistry.class);
  static final String SOURCE_REGISTERED = "registered";

  private final WorkerRegistry local;
  private final IMap<String, String> workers;
  private final IMap<String, Boolean> drains;
  private final String replicaId;
  private final long entryTtlMillis;
  private final long staleMillis;
  private final LongSupplier wallClock;
  private UUID workersListener;
  private UUID drainsListener;

  SharedWorkerRegistry(WorkerRegistry local, IMap<String, String> workers, IMap<String, Boolean> drains,
      String replicaId, long workerTtlMillis, long graceMillis, LongSupplier wallClock) {
    this.local = local;
    this.workers = workers;
    this.drains = drains;
    this.replicaId = replicaId;
    this.entryTtlMillis = workerTtlMillis + graceMillis;
    this.staleMillis = workerTtlMillis;
    this.wallClock = wallClock;
  }

  /**
   * Listens to the maps, then loads what the cluster already knows (blocking: call off the event loop). Records
   * older than the worker TTL are skipped: their worker is down and registers again when it comes back.
   */
  SharedWorkerRegistry start() {
    workersListener = workers.addEntryListener(new WorkerEvents(), true);
    drainsListener = drains.addEntryListener(new DrainEvents(), true);
    long now = wallClock.getAsLong();
    int loaded = 0;
    for (Map.Entry<String, String> e : workers.entrySet()) {
      WorkerRecord r = decode(e.getKey(), e.getValue());
      if (r != null && now - r.heartbeatMillis() <= staleMillis) {
        local.register(r.spec(), r.source());
        loaded++;
      }
    }
    for (Map.Entry<String, Boolean> e : drains.entrySet()) {
      local.setDraining(e.getKey(), Boolean.TRUE.equals(e.getValue()));
    }
    LOG.info("shared registry loaded replica={} workers={} drains={}", replicaId, loaded, drains.size());
    return this;
  }

  void stop() {
    try {
      if (workersListener != null) {
        workers.removeEntryListener(workersListener);
      }
      if (drainsListener != null) {
        drains.removeEntryListener(drainsListener);
      }
    } catch (RuntimeException e) {
      // The member is going away anyway.
    }
  }

  @Override
  public void addListener(Listener listener) {
    local.addListener(listener);
  }

  @Override
  public Registration register(WorkerSpec spec, String source) {
    Registration reg = local.register(spec, source);
    if (SOURCE_REGISTERED.equals(source)) {
      String record = WorkerRecordCodec.encode(new WorkerRecord(spec, source, wallClock.getAsLong(), replicaId));
      workers.setAsync(spec.id(), record, entryTtlMillis, TimeUnit.MILLISECONDS)
          .whenComplete((v, err) -> logFailure("publish_worker", spec.id(), err));
    }
    if (reg.created()) {
      applyDrainFlag(spec.id());
    }
    return reg;
  }

  @Override
  public void touch(String workerId) {
    local.touch(workerId);
  }

  @Override
  public Optional<WorkerView> get(String workerId) {
    return local.get(workerId);
  }

  @Override
  public Collection<WorkerView> all() {
    return local.all();
  }

  @Override
  public boolean remove(String workerId) {
    boolean known = local.remove(workerId);
    workers.removeAsync(workerId).whenComplete((v, err) -> logFailure("remove_worker", workerId, err));
    drains.removeAsync(workerId).whenComplete((v, err) -> logFailure("remove_drain", workerId, err));
    return known;
  }

  @Override
  public boolean setDraining(String workerId, boolean draining) {
    boolean known = local.setDraining(workerId, draining);
    if (known) {
      if (draining) {
        drains.setAsync(workerId, Boolean.TRUE).whenComplete((v, err) -> logFailure("drain", workerId, err));
      } else {
        drains.removeAsync(workerId).whenComplete((v, err) -> logFailure("undrain", workerId, err));
      }
    }
    return known;
  }

  @Override
  public void markMisconfigured(String workerId, String detail) {
    local.markMisconfigured(workerId, detail);
  }

  @Override
  public boolean isMisconfigured(String workerId) {
    return local.isMisconfigured(workerId);
  }

  @Override
  public void setBootstrapped(String workerId, boolean bootstrapped) {
    local.setBootstrapped(workerId, bootstrapped);
  }

  @Override
  public void setLiveOnly(String workerId, boolean liveOnly) {
    local.setLiveOnly(workerId, liveOnly);
  }

  @Override
  public String url(String workerId) {
    return local.url(workerId);
  }

  @Override
  public List<Candidate> candidates(Set<String> excludedWorkerIds) {
    return local.candidates(excludedWorkerIds);
  }

  @Override
  public int sweep() {
    return local.sweep();
  }

  /** A worker that appears here may already be drained elsewhere. */
  private void applyDrainFlag(String workerId) {
    drains.getAsync(workerId).whenComplete((d, err) -> {
      if (err == null && Boolean.TRUE.equals(d)) {
        local.setDraining(workerId, true);
      }
    });
  }

  private WorkerRecord decode(String id, String text) {
    try {
      return WorkerRecordCodec.decode(text);
    } catch (DecodeException e) {
      LOG.warn("shared worker record dropped worker={} reason=malformed detail=\"{}\"", id, e.getMessage());
      return null;
    }
  }

  private static void logFailure(String op, String workerId, Throwable err) {
    if (err != null) {
      LOG.warn("shared registry write failed op={} worker={} error=\"{}\"", op, workerId, err.toString());
    }
  }

  private final class WorkerEvents implements EntryAddedListener<String, String>,
      EntryUpdatedListener<String, String>, EntryRemovedListener<String, String> {

    @Override
    public void entryAdded(EntryEvent<String, String> event) {
      upsert(event);
    }

    @Override
    public void entryUpdated(EntryEvent<String, String> event) {
      upsert(event);
    }

    @Override
    public void entryRemoved(EntryEvent<String, String> event) {
      local.remove(event.getKey()); // idempotent: the replica that removed it already did
    }

    private void upsert(EntryEvent<String, String> event) {
      WorkerRecord r = decode(event.getKey(), event.getValue());
      // Events come from the partition owner, whoever wrote: the record says which replica received it.
      if (r != null && !replicaId.equals(r.replicaId()) && local.register(r.spec(), r.source()).created()) {
        applyDrainFlag(r.spec().id());
      }
    }
  }

  private final class DrainEvents implements EntryAddedListener<String, Boolean>,
      EntryUpdatedListener<String, Boolean>, EntryRemovedListener<String, Boolean> {

    @Override
    public void entryAdded(EntryEvent<String, Boolean> event) {
      local.setDraining(event.getKey(), Boolean.TRUE.equals(event.getValue()));
    }

    @Override
    public void entryUpdated(EntryEvent<String, Boolean> event) {
      local.setDraining(event.getKey(), Boolean.TRUE.equals(event.getValue()));
    }

    @Override
    public void entryRemoved(EntryEvent<String, Boolean> event) {
      local.setDraining(event.getKey(), false); // idempotent, like every drain event
    }
  }
}

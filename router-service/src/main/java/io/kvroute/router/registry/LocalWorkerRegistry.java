package io.kvroute.router.registry;

import io.kvroute.router.core.Candidate;
import io.kvroute.router.core.Target;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * In-memory registry. Mutations take one lock and rebuild the immutable candidate list, so the routing hot path
 * reads a volatile list without locking. Listeners are called outside the lock.
 */
final class LocalWorkerRegistry implements WorkerRegistry {

  private static final Logger LOG = LoggerFactory.getLogger(LocalWorkerRegistry.class);

  private final int routerBlockSize;
  private final long ttlMillis;
  private final long graceMillis;
  private final Clock clock;
  private final Map<String, Entry> entries = new LinkedHashMap<>();
  private final List<Listener> listeners = new CopyOnWriteArrayList<>();
  private volatile List<Candidate> candidates = List.of();
  private volatile Map<String, String> urls = Map.of();

  private static final class Entry {
    WorkerSpec spec;
    final String source;
    final long registeredAt;
    long lastSeen;
    boolean down;
    boolean expired;
    boolean draining;
    boolean bootstrapped;
    boolean liveOnly;
    String misconfigured;

    Entry(WorkerSpec spec, String source, long now) {
      this.spec = spec;
      this.source = source;
      this.registeredAt = now;
      this.lastSeen = now;
      // Without an agent there is no snapshot to wait for: the live stream is all the state there is.
      this.bootstrapped = spec.url() == null;
      this.liveOnly = spec.url() == null;
    }

    WorkerState state() {
      if (misconfigured != null) {
        return WorkerState.MISCONFIGURED;
      }
      return down ? WorkerState.DOWN : WorkerState.UP;
    }

    WorkerView view() {
      return new WorkerView(spec, source, state(), draining, bootstrapped, liveOnly, registeredAt, lastSeen, misconfigured);
    }
  }

  LocalWorkerRegistry(int routerBlockSize, Duration ttl, Duration grace, Clock clock) {
    this.routerBlockSize = routerBlockSize;
    this.ttlMillis = ttl.toMillis();
    this.graceMillis = grace.toMillis();
    this.clock = clock;
  }

  @Override
  public void addListener(Listener listener) {
    listeners.add(listener);
  }

  @Override
  public Registration register(WorkerSpec spec, String source) {
    long now = clock.millis();
    WorkerSpec previous = null;
    boolean created;
    boolean endpointsChanged;
    boolean revived;
    WorkerView view;
    synchronized (this) {
      Entry e = entries.get(spec.id());
      created = e == null;
      if (created) {
        e = new Entry(spec, source, now);
        entries.put(spec.id(), e);
        endpointsChanged = true;
        revived = false;
      } else {
        endpointsChanged = !e.spec.sameEndpoints(spec);
        if (endpointsChanged) {
          // A new stream starts over: complete at once only without an agent.
          e.bootstrapped = spec.url() == null;
          e.liveOnly = spec.url() == null;
        }
        previous = e.spec;
        e.spec = spec;
        e.lastSeen = now;
        revived = e.expired;
        e.down = false;
        e.expired = false;
      }
      if (spec.blockSize() != routerBlockSize) {
        e.misconfigured = "block_size " + spec.blockSize() + " differs from the router's " + routerBlockSize;
      } else if (endpointsChanged) {
        e.misconfigured = null;
      }
      rebuildCandidates();
      view = e.view();
    }
    if (created) {
      LOG.info("worker added id={} source={} url={} events={} metrics={} block_size={} dp_size={}", spec.id(),
          source, spec.url(), spec.eventsEndpoint(), spec.metricsEndpoint(), spec.blockSize(), spec.dpSize());
    }
    if (view.state() == WorkerState.MISCONFIGURED && (created || endpointsChanged)) {
      LOG.warn("worker misconfigured id={} detail=\"{}\"", spec.id(), view.detail());
    }
    if (created || endpointsChanged || revived) {
      WorkerSpec prev = created ? null : previous;
      for (Listener l : listeners) {
        l.onAdded(spec, prev);
      }
    }
    return new Registration(view, created);
  }

  @Override
  public void touch(String workerId) {
    boolean changed = false;
    boolean revived = false;
    WorkerSpec spec = null;
    synchronized (this) {
      Entry e = entries.get(workerId);
      if (e == null) {
        return;
      }
      e.lastSeen = clock.millis();
      if (e.down) {
        e.down = false;
        revived = e.expired;
        e.expired = false;
        spec = e.spec;
        changed = true;
        rebuildCandidates();
      }
    }
    if (changed) {
      LOG.info("worker up again id={}", workerId);
    }
    if (revived) {
      for (Listener l : listeners) {
        l.onAdded(spec, spec);
      }
    }
  }

  @Override
  public synchronized Optional<WorkerView> get(String workerId) {
    Entry e = entries.get(workerId);
    return e == null ? Optional.empty() : Optional.of(e.view());
  }

  @Override
  public synchronized Collection<WorkerView> all() {
    List<WorkerView> out = new ArrayList<>(entries.size());
    for (Entry e : entries.values()) {
      out.add(e.view());
    }
    return out;
  }

  @Override
  public boolean remove(String workerId) {
    synchronized (this) {
      if (entries.remove(workerId) == null) {
        return false;
      }
      rebuildCandidates();
    }
    LOG.info("worker removed id={}", workerId);
    for (Listener l : listeners) {
      l.onRemoved(workerId);
    }
    return true;
  }

  @Override
  public synchronized boolean setDraining(String workerId, boolean draining) {
    Entry e = entries.get(workerId);
    if (e == null) {
      return false;
    }
    if (e.draining != draining) {
      e.draining = draining;
      LOG.info("worker drain id={} draining={}", workerId, draining);
      rebuildCandidates();
    }
    return true;
  }

  @Override
  public void markMisconfigured(String workerId, String detail) {
    synchronized (this) {
      Entry e = entries.get(workerId);
      if (e == null || e.misconfigured != null) {
        return;
      }
      e.misconfigured = detail;
      rebuildCandidates();
    }
    LOG.warn("worker misconfigured id={} detail=\"{}\"", workerId, detail);
  }

  @Override
  public synchronized boolean isMisconfigured(String workerId) {
    Entry e = entries.get(workerId);
    return e != null && e.misconfigured != null;
  }

  @Override
  public synchronized void setBootstrapped(String workerId, boolean bootstrapped) {
    Entry e = entries.get(workerId);
    if (e != null) {
      e.bootstrapped = bootstrapped;
    }
  }

  @Override
  public synchronized void setLiveOnly(String workerId, boolean liveOnly) {
    Entry e = entries.get(workerId);
    if (e != null) {
      e.liveOnly = liveOnly;
    }
  }

  @Override
  public String url(String workerId) {
    return urls.get(workerId);
  }

  @Override
  public List<Candidate> candidates(Set<String> excludedWorkerIds) {
    List<Candidate> all = candidates;
    if (excludedWorkerIds == null || excludedWorkerIds.isEmpty()) {
      return all;
    }
    List<Candidate> out = new ArrayList<>(all.size());
    for (Candidate c : all) {
      if (!excludedWorkerIds.contains(c.target().workerId())) {
        out.add(c);
      }
    }
    return out;
  }

  @Override
  public int sweep() {
    long now = clock.millis();
    int changed = 0;
    List<String> expired = new ArrayList<>();
    List<String> wentDown = new ArrayList<>();
    synchronized (this) {
      for (Entry e : entries.values()) {
        long silent = now - e.lastSeen;
        if (!e.down && silent > ttlMillis) {
          e.down = true;
          wentDown.add(e.spec.id());
          changed++;
        }
        if (e.down && !e.expired && silent > ttlMillis + graceMillis) {
          e.expired = true;
          e.bootstrapped = false;
          e.liveOnly = false;
          expired.add(e.spec.id());
          changed++;
        }
      }
      if (changed > 0) {
        rebuildCandidates();
      }
    }
    for (String id : wentDown) {
      LOG.warn("worker down id={} silent_for_ms_over={}", id, ttlMillis);
    }
    for (String id : expired) {
      LOG.warn("worker expired id={} grace_ms={} action=remove_index_entries", id, graceMillis);
      for (Listener l : listeners) {
        l.onExpired(id);
      }
    }
    return changed;
  }

  private void rebuildCandidates() {
    List<Candidate> out = new ArrayList<>();
    Map<String, String> u = new java.util.HashMap<>();
    for (Entry e : entries.values()) {
      if (e.spec.url() != null) {
        u.put(e.spec.id(), e.spec.url());
      }
      if (e.state() == WorkerState.UP && !e.draining) {
        for (int r = 0; r < e.spec.dpSize(); r++) {
          out.add(new Candidate(new Target(e.spec.id(), r)));
        }
      }
    }
    candidates = List.copyOf(out);
    urls = Map.copyOf(u);
  }
}

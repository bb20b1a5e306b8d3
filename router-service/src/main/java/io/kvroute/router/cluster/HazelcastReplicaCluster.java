package io.kvroute.router.cluster;

import com.hazelcast.cluster.MembershipEvent;
import com.hazelcast.cluster.MembershipListener;
import com.hazelcast.core.Hazelcast;
import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.map.IMap;
import com.hazelcast.topic.ITopic;
import io.kvroute.router.RouterConfig;
import io.kvroute.router.core.RouterCore;
import io.kvroute.router.registry.WorkerRegistry;
import io.kvroute.router.service.LoadDeltaListener;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** {@link ReplicaCluster} on an embedded Hazelcast member: a registry map, a drain map and a load-delta topic. */
final class HazelcastReplicaCluster implements ReplicaCluster {

  private static final Logger LOG = LoggerFactory.getLogger(HazelcastReplicaCluster.class);
  static final String WORKERS_MAP = "kvroute.workers";
  static final String DRAINS_MAP = "kvroute.drains";
  static final String DELTAS_TOPIC = "kvroute.load-deltas";
  /** Dynamo's numbers (reference notes §5b): queue of 100 000, batches of 256 or 1 ms. */
  static final int QUEUE_CAPACITY = 100_000;
  static final int MAX_BATCH = 256;
  static final long LINGER_NANOS = 1_000_000L;

  private final String replicaId;
  private final HazelcastInstance hz;
  private final SharedWorkerRegistry registry;
  private final LoadDeltaPublisher publisher;
  private final ClusterMetrics metrics;
  private final UUID topicListener;
  private final ITopic<byte[]> topic;

  private HazelcastReplicaCluster(String replicaId, HazelcastInstance hz, SharedWorkerRegistry registry,
      LoadDeltaPublisher publisher, ClusterMetrics metrics, ITopic<byte[]> topic, UUID topicListener) {
    this.replicaId = replicaId;
    this.hz = hz;
    this.registry = registry;
    this.publisher = publisher;
    this.metrics = metrics;
    this.topic = topic;
    this.topicListener = topicListener;
  }

  /** Blocking: joins the cluster and loads the shared registry. */
  static HazelcastReplicaCluster start(RouterConfig config, RouterCore core, WorkerRegistry local,
      MeterRegistry meters) {
    RouterConfig.Cluster c = config.cluster();
    String replicaId = c.replicaId() != null ? c.replicaId() : "replica-" + UUID.randomUUID().toString().substring(0, 8);
    long start = System.nanoTime();
    HazelcastInstance hz = Hazelcast.newHazelcastInstance(HazelcastConfigs.build(c, replicaId));
    try {
      ClusterMetrics metrics = new ClusterMetrics(meters);
      metrics.members(hz.getCluster().getMembers().size());
      hz.getCluster().addMembershipListener(new MembershipListener() {
        @Override
        public void memberAdded(MembershipEvent e) {
          metrics.members(e.getMembers().size());
          LOG.info("replica joined member={} replica={} members={}", e.getMember().getAddress(),
              e.getMember().getAttribute(HazelcastConfigs.REPLICA_ATTRIBUTE), e.getMembers().size());
        }

        @Override
        public void memberRemoved(MembershipEvent e) {
          metrics.members(e.getMembers().size());
          LOG.warn("replica left member={} replica={} members={}", e.getMember().getAddress(),
              e.getMember().getAttribute(HazelcastConfigs.REPLICA_ATTRIBUTE), e.getMembers().size());
        }
      });
      IMap<String, String> workers = hz.getMap(WORKERS_MAP);
      IMap<String, Boolean> drains = hz.getMap(DRAINS_MAP);
      SharedWorkerRegistry registry = new SharedWorkerRegistry(local, workers, drains, replicaId,
          config.workerTtl().toMillis(), config.downGrace().toMillis(), System::currentTimeMillis).start();
      ITopic<byte[]> topic = hz.getTopic(DELTAS_TOPIC);
      LoadDeltaApplier applier = new LoadDeltaApplier(replicaId, core, metrics, System::currentTimeMillis);
      UUID listener = topic.addMessageListener(m -> applier.onBatch(m.getMessageObject()));
      LoadDeltaPublisher publisher = new LoadDeltaPublisher(replicaId, topic::publish, metrics,
          System::currentTimeMillis, QUEUE_CAPACITY, MAX_BATCH, LINGER_NANOS);
      LOG.info("cluster joined replica={} cluster={} address={} members={} startup_ms={}", replicaId, c.name(),
          hz.getCluster().getLocalMember().getAddress(), hz.getCluster().getMembers().size(),
          (System.nanoTime() - start) / 1_000_000);
      return new HazelcastReplicaCluster(replicaId, hz, registry, publisher, metrics, topic, listener);
    } catch (RuntimeException e) {
      hz.getLifecycleService().terminate();
      throw e;
    }
  }

  @Override
  public String replicaId() {
    return replicaId;
  }

  @Override
  public WorkerRegistry registry() {
    return registry;
  }

  @Override
  public LoadDeltaListener loadListener() {
    return publisher;
  }

  @Override
  public int members() {
    return metrics.members();
  }

  @Override
  public Future<Void> close(Vertx vertx) {
    return vertx.executeBlocking(() -> {
      publisher.close();
      registry.stop();
      try {
        topic.removeMessageListener(topicListener);
        hz.shutdown();
      } catch (RuntimeException e) {
        hz.getLifecycleService().terminate();
      }
      LOG.info("cluster left replica={}", replicaId);
      return null;
    }, false);
  }
}

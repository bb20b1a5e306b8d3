package io.kvroute.router.cluster;

import com.hazelcast.config.Config;
import com.hazelcast.config.JoinConfig;
import com.hazelcast.config.NetworkConfig;
import io.kvroute.router.RouterConfig;
import java.util.ArrayList;
import java.util.List;

/**
 * The embedded member's configuration, built in code from the router's flags (no XML lookup on the class path):
 * tcp-ip join on the listed members only, multicast and cloud auto-detection off, phone-home off, logging through
 * SLF4J, no shutdown hook (the router closes the member itself) and short join / shutdown waits.
 */
public final class HazelcastConfigs {

  /** Every replica must use the same count; small, because the shared maps hold a few hundred entries at most. */
  static final int PARTITIONS = 31;
  static final String REPLICA_ATTRIBUTE = "kvroute.replica";

  private HazelcastConfigs() {
  }

  public static Config build(RouterConfig.Cluster cluster, String replicaId) {
    // The logging type is read statically by Hazelcast's first logger: set it before any Hazelcast class logs.
    if (System.getProperty("hazelcast.logging.type") == null) {
      System.setProperty("hazelcast.logging.type", "slf4j");
    }
    Config config = new Config();
    config.setClusterName(cluster.name());
    config.setInstanceName("kvroute-router-" + replicaId);
    config.setProperty("hazelcast.logging.type", "slf4j");
    config.setProperty("hazelcast.phone.home.enabled", "false");
    config.setProperty("hazelcast.shutdownhook.enabled", "false");
    config.setProperty("hazelcast.health.monitoring.level", "OFF");
    config.setProperty("hazelcast.partition.count", Integer.toString(PARTITIONS));
    config.setProperty("hazelcast.wait.seconds.before.join", "0");
    config.setProperty("hazelcast.max.wait.seconds.before.join", "2");
    config.setProperty("hazelcast.graceful.shutdown.max.wait", "5");
    config.setProperty("hazelcast.max.no.heartbeat.seconds", "15");
    config.getJetConfig().setEnabled(false);
    config.getMemberAttributeConfig().setAttribute(REPLICA_ATTRIBUTE, replicaId);

    NetworkConfig network = config.getNetworkConfig();
    network.setPort(cluster.port()).setPortAutoIncrement(false);
    if (cluster.host() != null) {
      if (isIpLiteral(cluster.host())) {
        config.setProperty("hazelcast.socket.bind.any", "false");
        network.getInterfaces().setEnabled(true).addInterface(cluster.host());
      } else {
        network.setPublicAddress(cluster.host() + ":" + cluster.port());
      }
    }
    JoinConfig join = network.getJoin();
    join.getAutoDetectionConfig().setEnabled(false);
    join.getMulticastConfig().setEnabled(false);
    join.getTcpIpConfig().setEnabled(true).setConnectionTimeoutSeconds(2).setMembers(members(cluster));
    return config;
  }

  /** The join list: each member as host:port (the cluster port when none is given); self included is harmless. */
  static List<String> members(RouterConfig.Cluster cluster) {
    List<String> out = new ArrayList<>();
    for (String m : cluster.members()) {
      boolean hasPort = m.startsWith("[") ? m.contains("]:") : m.indexOf(':') > 0 && m.indexOf(':') == m.lastIndexOf(':');
      out.add(hasPort ? m : m + ":" + cluster.port());
    }
    if (out.isEmpty()) {
      out.add((cluster.host() == null ? "127.0.0.1" : cluster.host()) + ":" + cluster.port());
    }
    return out;
  }

  private static boolean isIpLiteral(String host) {
    return host.matches("[0-9.]+") || host.contains(":");
  }
}

package io.kvroute.router.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import com.hazelcast.config.Config;
import com.hazelcast.config.JoinConfig;
import io.kvroute.router.RouterConfig;
import java.util.Map;
import org.junit.jupiter.api.Test;

class HazelcastConfigsTest {

  private static RouterConfig parse(String... args) throws Exception {
    return RouterConfig.from(RouterConfig.options().parse(args, Map.of()));
  }

  @Test
  void shouldJoinOnlyTheListedMembersWithoutMulticastOrPhoneHome() throws Exception {
    RouterConfig rc = parse("--cluster", "--cluster-members", "10.0.0.1:5801,10.0.0.2", "--cluster-members",
        "router-3", "--cluster-name", "prod", "--cluster-port", "5801", "--replica-id", "r1");
    assertThat(rc.cluster().enabled()).isTrue();
    assertThat(rc.cluster().members()).containsExactly("10.0.0.1:5801", "10.0.0.2", "router-3");
    assertThat(rc.cluster().replicaId()).isEqualTo("r1");
    assertThat(rc.cluster().host()).isNull();

    Config c = HazelcastConfigs.build(rc.cluster(), "r1");
    JoinConfig join = c.getNetworkConfig().getJoin();
    assertThat(join.getMulticastConfig().isEnabled()).isFalse();
    assertThat(join.getAutoDetectionConfig().isEnabled()).isFalse();
    assertThat(join.getTcpIpConfig().isEnabled()).isTrue();
    assertThat(join.getTcpIpConfig().getMembers())
        .containsExactly("10.0.0.1:5801", "10.0.0.2:5801", "router-3:5801");
    assertThat(c.getClusterName()).isEqualTo("prod");
    assertThat(c.getNetworkConfig().getPort()).isEqualTo(5801);
    assertThat(c.getNetworkConfig().isPortAutoIncrement()).isFalse();
    assertThat(c.getProperty("hazelcast.phone.home.enabled")).isEqualTo("false");
    assertThat(c.getProperty("hazelcast.logging.type")).isEqualTo("slf4j");
    assertThat(c.getProperty("hazelcast.shutdownhook.enabled")).isEqualTo("false");
    assertThat(c.getJetConfig().isEnabled()).isFalse();
    assertThat(c.getMemberAttributeConfig().getAttribute(HazelcastConfigs.REPLICA_ATTRIBUTE)).isEqualTo("r1");
  }

  @Test
  void shouldBindTheGivenAddressOnlyAndDefaultToItselfWithoutMembers() throws Exception {
    RouterConfig rc = parse("--cluster", "--cluster-host", "127.0.0.1");
    assertThat(rc.cluster().replicaId()).as("generated at start").isNull();
    Config c = HazelcastConfigs.build(rc.cluster(), "x");
    assertThat(c.getNetworkConfig().getInterfaces().isEnabled()).isTrue();
    assertThat(c.getNetworkConfig().getInterfaces().getInterfaces()).containsExactly("127.0.0.1");
    assertThat(c.getProperty("hazelcast.socket.bind.any")).isEqualTo("false");
    assertThat(c.getNetworkConfig().getJoin().getTcpIpConfig().getMembers()).containsExactly("127.0.0.1:5701");

    RouterConfig named = parse("--cluster", "--cluster-host", "router-1");
    assertThat(HazelcastConfigs.build(named.cluster(), "x").getNetworkConfig().getPublicAddress())
        .isEqualTo("router-1:5701");
    assertThat(parse().cluster().enabled()).isFalse();
  }
}

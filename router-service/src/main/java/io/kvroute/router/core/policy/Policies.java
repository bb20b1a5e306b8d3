package io.kvroute.router.core.policy;

import io.kvroute.router.core.RouterCoreConfig;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/** The policies of one core, by name. */
public final class Policies {

  /** Every policy name, for error messages and help texts. */
  public static final List<String> NAMES = List.of("kv", "seed", "round_robin", "random", "least_loaded");

  private final Map<String, Policy> byName = new TreeMap<>();

  public Policies(RouterCoreConfig config) {
    add(new KvPolicy(config.overlapCredit(), config.prefillLoadScale(), config.requestWeight(),
        config.temperature()));
    add(new SeedPolicy());
    add(new RoundRobinPolicy());
    add(new RandomPolicy());
    add(new LeastLoadedPolicy());
  }

  private void add(Policy p) {
    byName.put(p.name(), p);
  }

  /** The named policy; null or empty gives {@code fallback}. Unknown names throw IllegalArgumentException. */
  public Policy get(String name, String fallback) {
    String n = name == null || name.isEmpty() ? fallback : name;
    Policy p = byName.get(n);
    if (p == null) {
      throw new IllegalArgumentException("unknown policy '" + n + "'; expected one of " + NAMES);
    }
    return p;
  }
}

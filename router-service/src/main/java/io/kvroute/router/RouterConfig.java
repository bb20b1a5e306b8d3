package io.kvroute.router;

import io.kvroute.common.config.CliOptions;
import io.kvroute.router.core.RouterCoreConfig;
import io.kvroute.router.core.policy.Policies;
import io.kvroute.router.registry.WorkerSpec;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The router's configuration, read once from CLI flags / {@code KVROUTE_*} env vars (TEAM.md CLI contract).
 * Static workers come from the reference form ({@code --num-workers N} with base ports, worker i = "worker-i" on
 * {@code --worker-host}) and from repeatable {@code --worker id=..,events=..,metrics=..,url=..[,dp_size=..]}.
 */
public record RouterConfig(String host, int routerPort, int blockSize, String policy, Duration workerTtl,
    Duration downGrace, List<WorkerSpec> staticWorkers, int httpInstances, long maxBodyBytes,
    Duration requestExpiry, Duration recoveryTimeout, double overlapCredit, double prefillLoadScale,
    double requestWeight, double temperature, Cluster cluster, LiveOnly liveOnly) {

  /**
   * Workers whose agent does not answer: after {@code afterFailures} failed bootstrap snapshots the worker is served
   * from live events ({@code live_only}, counts as ready) and the snapshot is retried every {@code retry} or more.
   */
  public record LiveOnly(int afterFailures, Duration retry) {
    public static final LiveOnly DEFAULT = new LiveOnly(3, Duration.ofSeconds(10));
  }

  /**
   * Replica options (io.kvroute.router.cluster): {@code members} host[:port] entries (comma lists split),
   * {@code replicaId} null = generated, {@code host} the address Hazelcast binds and advertises (null = its choice).
   */
  public record Cluster(boolean enabled, List<String> members, String name, int port, String replicaId,
      String host) {
  }

  public static CliOptions options() {
    return CliOptions.create("router-service", "kvroute router: KV-cache-aware worker selection over HTTP")
        .option("router-port", "7000", "HTTP port of the routing API")
        .option("host", "0.0.0.0", "HTTP bind address")
        .option("block-size", "32", "tokens per KV block; workers with another block size are refused")
        .option("num-workers", "0", "static workers worker-0..N-1 at --worker-host with the base ports")
        .option("worker-host", "127.0.0.1", "host of the static workers of --num-workers")
        .option("base-kv-events-port", "5557", "KV events port of worker 0 (worker i: base + i)")
        .option("base-metrics-port", "5657", "load metrics port of worker 0 (worker i: base + i)")
        .option("base-agent-port", "8100", "agent HTTP port of worker 0 (worker i: base + i)")
        .repeatable("worker", "static worker id=w0,events=tcp://h:5557,metrics=tcp://h:5657,url=http://h:8100"
            + "[,dp_size=1][,block_size=B][,replay=tcp://h:5558 (raw engine's replay socket)]")
        .option("policy", "kv", "default policy: kv, seed, round_robin, random, least_loaded")
        .option("worker-ttl", "10s", "a worker silent this long is down (not routed to)")
        .option("down-grace", "60s", "a down worker's index entries are removed after this extra time")
        .option("http-instances", "auto", "HTTP server instances (event loops) sharing the port; auto = cores - 1"
            + " (at least 1: the index owner and the ZMQ subscriber threads keep a core)")
        .option("max-body-bytes", "4194304", "largest accepted request body")
        .option("request-expiry", "300s", "bookings never released are freed after this long")
        .option("recovery-timeout", "10s", "timeout of replay and snapshot requests to agents")
        .option("live-only-after", "3", "failed bootstrap snapshots after which a worker is served live-only (ready)")
        .option("live-only-retry", "10s", "snapshot retry period of a live-only worker")
        .option("overlap-credit", Double.toString(RouterCoreConfig.DEFAULT_OVERLAP_CREDIT),
            "kv policy: prefill blocks credited per cached block (the reference's default is 1)")
        .option("prefill-load-scale", Double.toString(RouterCoreConfig.DEFAULT_PREFILL_LOAD_SCALE),
            "kv policy: weight of the prefill term, in decode blocks per prefill block (reference: 1)")
        .option("request-weight", Double.toString(RouterCoreConfig.DEFAULT_REQUEST_WEIGHT),
            "kv policy: decode blocks charged per active request (reference: 0)")
        .option("temperature", "0.0", "kv policy: softmax temperature (0 = argmin)")
        .flag("cluster", "join a Hazelcast cluster of router replicas")
        .repeatable("cluster-members", "host[:port] of replicas, comma-separated or repeated (tcp-ip join)")
        .option("cluster-name", "kvroute", "Hazelcast cluster name")
        .option("cluster-port", "5701", "Hazelcast port")
        .option("replica-id", "", "this replica's id (default: generated)")
        .option("cluster-host", "", "address the cluster member binds and advertises (default: Hazelcast's choice)");
  }

  public static RouterConfig from(CliOptions.Parsed p) throws CliOptions.UsageException {
    int blockSize = positive(p, "block-size");
    List<WorkerSpec> workers = new ArrayList<>();
    int n = p.integer("num-workers");
    if (n < 0) {
      throw new CliOptions.UsageException("--num-workers must not be negative");
    }
    String wh = p.string("worker-host");
    int kv = p.integer("base-kv-events-port");
    int mp = p.integer("base-metrics-port");
    int ap = p.integer("base-agent-port");
    for (int i = 0; i < n; i++) {
      workers.add(new WorkerSpec("worker-" + i, "http://" + wh + ":" + (ap + i), "tcp://" + wh + ":" + (kv + i),
          "tcp://" + wh + ":" + (mp + i), blockSize, null, 1));
    }
    for (String w : p.list("worker")) {
      workers.add(parseWorker(w, blockSize));
    }
    long distinct = workers.stream().map(WorkerSpec::id).distinct().count();
    if (distinct != workers.size()) {
      throw new CliOptions.UsageException("static worker ids must be unique");
    }
    String policy = p.string("policy");
    if (!Policies.NAMES.contains(policy)) {
      throw new CliOptions.UsageException("--policy must be one of " + Policies.NAMES);
    }
    String replicaId = p.string("replica-id");
    List<String> members = new ArrayList<>();
    for (String m : p.list("cluster-members")) {
      for (String part : m.split(",")) {
        if (!part.isBlank()) {
          members.add(part.trim());
        }
      }
    }
    String clusterHost = p.string("cluster-host");
    return new RouterConfig(p.string("host"), p.integer("router-port"), blockSize, policy,
        duration(p, "worker-ttl"), duration(p, "down-grace"), List.copyOf(workers), p.countOrAuto("http-instances", defaultHttpInstances()),
        p.longValue("max-body-bytes"), duration(p, "request-expiry"), duration(p, "recovery-timeout"),
        p.decimal("overlap-credit"), p.decimal("prefill-load-scale"), p.decimal("request-weight"),
        p.decimal("temperature"),
        new Cluster(p.bool("cluster"), List.copyOf(members), p.string("cluster-name"), p.integer("cluster-port"),
            replicaId == null || replicaId.isBlank() ? null : replicaId,
            clusterHost == null || clusterHost.isBlank() ? null : clusterHost),
        new LiveOnly(positive(p, "live-only-after"), duration(p, "live-only-retry")));
  }

  /**
   * {@code id=w0,events=tcp://h:5557,metrics=tcp://h:5657,url=http://h:8100[,dp_size=2][,block_size=32]
   * [,replay=tcp://h:5558]}; {@code replay} is a raw vLLM/SGLang engine's replay (ROUTER) endpoint.
   */
  static WorkerSpec parseWorker(String text, int routerBlockSize) throws CliOptions.UsageException {
    Map<String, String> kv = new HashMap<>();
    for (String part : text.split(",")) {
      int eq = part.indexOf('=');
      if (eq <= 0) {
        throw new CliOptions.UsageException("--worker expects key=value pairs, got '" + part + "'");
      }
      String key = part.substring(0, eq).trim().toLowerCase(Locale.ROOT);
      if (!List.of("id", "events", "metrics", "url", "dp_size", "block_size", "model", "replay").contains(key)) {
        throw new CliOptions.UsageException("--worker: unknown key '" + key + "'");
      }
      kv.put(key, part.substring(eq + 1).trim());
    }
    String id = kv.get("id");
    if (id == null || id.isEmpty()) {
      throw new CliOptions.UsageException("--worker needs id=...");
    }
    try {
      int dp = kv.containsKey("dp_size") ? Integer.parseInt(kv.get("dp_size")) : 1;
      int bs = kv.containsKey("block_size") ? Integer.parseInt(kv.get("block_size")) : routerBlockSize;
      if (dp <= 0 || bs <= 0) {
        throw new CliOptions.UsageException("--worker: dp_size and block_size must be positive");
      }
      return new WorkerSpec(id, kv.get("url"), kv.get("events"), kv.get("metrics"), bs, kv.get("model"), dp,
          kv.get("replay"));
    } catch (NumberFormatException e) {
      throw new CliOptions.UsageException("--worker: dp_size and block_size must be integers");
    }
  }

  /** {@code 10s}, {@code 500ms}, {@code 2m}, or a plain number of seconds. */
  static Duration duration(CliOptions.Parsed p, String name) throws CliOptions.UsageException {
    String v = p.string(name).trim().toLowerCase(Locale.ROOT);
    try {
      if (v.endsWith("ms")) {
        return Duration.ofMillis(Long.parseLong(v.substring(0, v.length() - 2)));
      }
      if (v.endsWith("s")) {
        return Duration.ofMillis((long) (Double.parseDouble(v.substring(0, v.length() - 1)) * 1000));
      }
      if (v.endsWith("m")) {
        return Duration.ofSeconds(Long.parseLong(v.substring(0, v.length() - 1)) * 60);
      }
      return Duration.ofMillis((long) (Double.parseDouble(v) * 1000));
    } catch (NumberFormatException e) {
      throw new CliOptions.UsageException("--" + name + " must be a duration like 10s or 500ms, got '" + v + "'");
    }
  }

  /** One core is left to the index owner and subscriber threads: on 2 cores a second event loop raised p99. */
  static int defaultHttpInstances() {
    return Math.max(1, Runtime.getRuntime().availableProcessors() - 1);
  }

  private static int positive(CliOptions.Parsed p, String name) throws CliOptions.UsageException {
    int v = p.integer(name);
    if (v <= 0) {
      throw new CliOptions.UsageException("--" + name + " must be positive");
    }
    return v;
  }
}

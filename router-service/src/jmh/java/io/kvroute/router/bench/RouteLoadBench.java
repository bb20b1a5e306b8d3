package io.kvroute.router.bench;

import io.kvroute.common.codec.AgentBatchCodec;
import io.kvroute.common.codec.KvFrames;
import io.kvroute.common.config.CliOptions;
import io.kvroute.common.event.KvEvent;
import io.kvroute.common.event.KvEventBatch;
import io.kvroute.router.RouterConfig;
import io.kvroute.router.RouterVerticle;
import io.kvroute.router.metrics.VertxMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClientAgent;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.json.JsonObject;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;
import org.zeromq.SocketType;
import org.zeromq.ZContext;
import org.zeromq.ZMQ;

/**
 * Load benchmark of {@code POST /v1/route} on loopback (not a unit test). Starts a router in-process (or targets
 * {@code --url}), registers {@code --workers} stand-in workers whose KV events come from this process's ZMQ PUB
 * sockets, indexes {@code --prompts} distinct prompts of {@code --blocks} blocks spread over the workers (groups of
 * 8 share half their blocks), then drives {@code --concurrency} closed-loop clients sending those prompts' hashes
 * back to back. Request ids are reused per client (a re-route releases the previous booking), so the active load
 * stays bounded. Prints decisions/s and latency percentiles. Command: see README section bench-router-service.
 */
public final class RouteLoadBench {

  private RouteLoadBench() {
  }

  public static void main(String[] args) throws Exception {
    CliOptions cli = CliOptions.create("RouteLoadBench", "load benchmark of the router's POST /v1/route")
        .option("url", "", "router base URL (empty: start a router in this process)")
        .option("concurrency", "64", "closed-loop clients")
        .option("blocks", "128", "blocks per query")
        .option("workers", "4", "stand-in workers")
        .option("prompts", "512", "distinct indexed prompts")
        .option("warmup-seconds", "5", "warm-up")
        .option("seconds", "20", "measured time")
        .option("router-threads", "1", "event loops / HTTP instances of the in-process router (1: the router on one"
            + " core, the load client on the other)")
        .option("client-threads", "1", "event loops of the load client");
    CliOptions.Parsed p = cli.parse(args);
    if (p.helpRequested()) {
      System.out.print(cli.help());
      return;
    }
    int concurrency = p.integer("concurrency");
    int blocks = p.integer("blocks");
    int workers = p.integer("workers");
    int prompts = p.integer("prompts");
    Vertx serverVertx = null;
    String host = "127.0.0.1";
    int port;
    if (p.string("url").isEmpty()) {
      // As RouterMain starts it: Vert.x HTTP metrics and the router's meters on one Prometheus registry.
      PrometheusMeterRegistry meters = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
      serverVertx = VertxMetrics.vertx(meters, new VertxOptions().setEventLoopPoolSize(p.integer("router-threads")));
      RouterConfig config = RouterConfig.from(RouterConfig.options().parse(new String[] {"--router-port", "0",
          "--host", "127.0.0.1", "--http-instances", p.string("router-threads"), "--worker-ttl", "600s"}, Map.of()));
      RouterVerticle router = new RouterVerticle(config, Clock.systemUTC(), RouterVerticle.RegistryFactory.LOCAL,
          meters);
      serverVertx.deployVerticle(router).await();
      port = router.actualPort();
    } else {
      java.net.URI u = java.net.URI.create(p.string("url"));
      host = u.getHost();
      port = u.getPort();
    }
    Vertx vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(p.integer("client-threads"))
        .setPreferNativeTransport(true));
    System.out.printf("native transport: router=%s client=%s%n",
        serverVertx == null ? "n/a" : serverVertx.isNativeTransportEnabled(), vertx.isNativeTransportEnabled());
    HttpClientAgent client = vertx.createHttpClient(new HttpClientOptions().setDefaultHost(host)
        .setDefaultPort(port).setTcpNoDelay(true).setKeepAlive(true),
        new PoolOptions().setHttp1MaxSize(concurrency).setMaxWaitQueueSize(-1));

    // Stand-in workers: a PUB socket each, registered without an agent URL (live events only).
    ZContext zmq = new ZContext(1);
    List<ZMQ.Socket> pubs = new ArrayList<>();
    for (int w = 0; w < workers; w++) {
      ZMQ.Socket pub = zmq.createSocket(SocketType.PUB);
      pub.setSndHWM(1_000_000);
      int ep = pub.bindToRandomPort("tcp://127.0.0.1");
      pubs.add(pub);
      String body = new JsonObject().put("worker_id", "bench-" + w).put("events_endpoint", "tcp://127.0.0.1:" + ep)
          .put("block_size", 32).put("model", "bench").encode();
      send(client, "/v1/workers", body).await();
    }
    Thread.sleep(1000);
    SplittableRandom rnd = new SplittableRandom(42);
    long[][] hashes = new long[prompts][blocks];
    long[] seqs = new long[workers];
    for (int i = 0; i < prompts; i++) {
      for (int b = 0; b < blocks; b++) {
        hashes[i][b] = b < blocks / 2 && i % 8 != 0 ? hashes[i - i % 8][b] : rnd.nextLong();
      }
      int w = i % workers;
      long[] engine = new long[blocks];
      for (int b = 0; b < blocks; b++) {
        engine[b] = hashes[i][b] * 31 + w;
      }
      KvEventBatch batch = new KvEventBatch(0.0, List.of(KvEvent.Stored.root(engine, hashes[i])), 0);
      ZMQ.Socket pub = pubs.get(w);
      pub.sendMore("bench-" + w);
      pub.sendMore(KvFrames.seqBytes(seqs[w]++));
      pub.send(AgentBatchCodec.encode(batch));
    }
    Thread.sleep(2000);
    JsonObject tree = new JsonObject(get(client, "/debug/tree_info").await());
    System.out.printf("indexed nodes=%d entries=%d%n", tree.getLong("num_blocks"), tree.getLong("entries"));

    List<byte[]> suffixes = new ArrayList<>();
    for (long[] h : hashes) {
      StringBuilder sb = new StringBuilder("\",\"num_tokens\":").append(blocks * 32).append(",\"local_hashes\":[");
      for (int b = 0; b < h.length; b++) {
        if (b > 0) {
          sb.append(',');
        }
        sb.append(Long.toUnsignedString(h[b]));
      }
      suffixes.add(sb.append("]}").toString().getBytes(StandardCharsets.UTF_8));
    }

    Recorder recorder = new Recorder(3);
    AtomicLong done = new AtomicLong();
    AtomicLong errors = new AtomicLong();
    AtomicBoolean running = new AtomicBoolean(true);
    CountDownLatch stopped = new CountDownLatch(concurrency);
    Set<Long> clientThreads = ConcurrentHashMap.newKeySet();
    for (int c = 0; c < concurrency; c++) {
      int clientId = c;
      SplittableRandom r = new SplittableRandom(c);
      vertx.runOnContext(v -> {
        clientThreads.add(Thread.currentThread().getId());
        loop(client, clientId, r, suffixes, recorder, done, errors, running, stopped, 0);
      });
    }
    Thread.sleep(p.longValue("warmup-seconds") * 1000);
    recorder.getIntervalHistogram();
    long startCount = done.get();
    long startErr = errors.get();
    com.sun.management.OperatingSystemMXBean os =
        (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
    ThreadMXBean threads = ManagementFactory.getThreadMXBean();
    long cpu0 = os.getProcessCpuTime();
    long clientCpu0 = threadCpu(threads, clientThreads);
    long t0 = System.nanoTime();
    Thread.sleep(p.longValue("seconds") * 1000);
    long count = done.get() - startCount;
    long cpu = os.getProcessCpuTime() - cpu0;
    long clientCpu = threadCpu(threads, clientThreads) - clientCpu0;
    double elapsed = (System.nanoTime() - t0) / 1e9;
    Histogram h = recorder.getIntervalHistogram();
    running.set(false);
    stopped.await(10, TimeUnit.SECONDS);
    System.out.printf("concurrency=%d blocks=%d workers=%d prompts=%d seconds=%.1f%n", concurrency, blocks, workers,
        prompts, elapsed);
    System.out.printf("decisions/s=%.0f errors=%d cpu_us_per_decision=%.1f (router + load client, this JVM)%n",
        count / elapsed, errors.get() - startErr, cpu / 1e3 / Math.max(1, count));
    System.out.printf("cpu_us_per_decision: load client event loop=%.1f, rest (router, GC, JIT)=%.1f%n",
        clientCpu / 1e3 / Math.max(1, count), (cpu - clientCpu) / 1e3 / Math.max(1, count));
    System.out.printf("latency_ms p50=%.3f p90=%.3f p99=%.3f p99.9=%.3f max=%.3f%n",
        h.getValueAtPercentile(50) / 1e6, h.getValueAtPercentile(90) / 1e6, h.getValueAtPercentile(99) / 1e6,
        h.getValueAtPercentile(99.9) / 1e6, h.getMaxValue() / 1e6);
    client.close().await();
    vertx.close().await();
    for (ZMQ.Socket s : pubs) {
      s.close();
    }
    zmq.close();
    if (serverVertx != null) {
      serverVertx.close().await();
    }
  }

  private static void loop(HttpClientAgent client, int clientId, SplittableRandom r, List<byte[]> suffixes,
      Recorder recorder, AtomicLong done, AtomicLong errors, AtomicBoolean running, CountDownLatch stopped, int k) {
    if (!running.get()) {
      stopped.countDown();
      return;
    }
    byte[] suffix = suffixes.get(r.nextInt(suffixes.size()));
    Buffer body = Buffer.buffer(suffix.length + 48).appendString("{\"request_id\":\"c" + clientId + "-" + (k & 7))
        .appendBytes(suffix);
    long t = System.nanoTime();
    client.request(HttpMethod.POST, "/v1/route")
        .compose(req -> req.putHeader("content-type", "application/json").send(body))
        .compose(resp -> resp.body().map(b -> resp.statusCode()))
        .onComplete(ar -> {
          if (ar.succeeded() && ar.result() == 200) {
            recorder.recordValue(System.nanoTime() - t);
            done.incrementAndGet();
          } else {
            errors.incrementAndGet();
          }
          loop(client, clientId, r, suffixes, recorder, done, errors, running, stopped, k + 1);
        });
  }

  /** CPU time of the given threads (the load client's event loops), in ns. */
  private static long threadCpu(ThreadMXBean threads, Set<Long> ids) {
    long sum = 0;
    for (long id : ids) {
      sum += Math.max(0, threads.getThreadCpuTime(id));
    }
    return sum;
  }

  private static Future<String> send(HttpClientAgent client, String path, String json) {
    return client.request(HttpMethod.POST, path)
        .compose(req -> req.putHeader("content-type", "application/json").send(json))
        .compose(resp -> resp.body().map(Buffer::toString));
  }

  private static Future<String> get(HttpClientAgent client, String path) {
    return client.request(HttpMethod.GET, path).compose(req -> req.send())
        .compose(resp -> resp.body().map(Buffer::toString));
  }
}

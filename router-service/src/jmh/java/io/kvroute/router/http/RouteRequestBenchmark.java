package io.kvroute.router.http;

import io.kvroute.common.event.KvEvent;
import io.kvroute.common.event.KvEventBatch;
import io.kvroute.router.core.Candidate;
import io.kvroute.router.core.RouteDecision;
import io.kvroute.router.core.RouteQuery;
import io.kvroute.router.core.RouterCore;
import io.kvroute.router.core.RouterCoreConfig;
import io.kvroute.router.core.Target;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * The router's per-request work without HTTP: parsing a 128-hash {@code /v1/route} body, and parse + decision
 * (core match, policy, booking and release of the reused request id).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
public class RouteRequestBenchmark {

  private static final int BLOCKS = 128;
  private static final int PROMPTS = 512;

  private final List<byte[]> bodies = new ArrayList<>();
  private final List<Candidate> candidates = new ArrayList<>();
  private RouterCore core;
  private int next;

  @Setup
  public void setup() throws Exception {
    core = RouterCore.create(RouterCoreConfig.defaults(32), Clock.systemUTC());
    SplittableRandom rnd = new SplittableRandom(42);
    long[][] hashes = new long[PROMPTS][BLOCKS];
    for (int w = 0; w < 4; w++) {
      candidates.add(new Candidate(new Target("bench-" + w, 0)));
    }
    for (int i = 0; i < PROMPTS; i++) {
      for (int b = 0; b < BLOCKS; b++) {
        hashes[i][b] = b < BLOCKS / 2 && i % 8 != 0 ? hashes[i - i % 8][b] : rnd.nextLong();
      }
      long[] engine = new long[BLOCKS];
      for (int b = 0; b < BLOCKS; b++) {
        engine[b] = hashes[i][b] * 31 + i % 4;
      }
      core.submit("bench-" + i % 4, new KvEventBatch(0, List.of(KvEvent.Stored.root(engine, hashes[i])), 0));
      StringBuilder sb = new StringBuilder("{\"request_id\":\"c-").append(i % 64)
          .append("\",\"num_tokens\":4096,\"local_hashes\":[");
      for (int b = 0; b < BLOCKS; b++) {
        sb.append(b > 0 ? "," : "").append(Long.toUnsignedString(hashes[i][b]));
      }
      bodies.add(sb.append("]}").toString().getBytes(StandardCharsets.UTF_8));
    }
    core.barrier().get();
  }

  @TearDown
  public void tearDown() {
    core.close();
  }

  @Benchmark
  public RouteRequest parse() {
    return RouteRequestParser.parse(bodies.get(next++ & (PROMPTS - 1)));
  }

  @Benchmark
  public RouteDecision parseAndRoute() {
    RouteRequest r = RouteRequestParser.parse(bodies.get(next++ & (PROMPTS - 1)));
    core.release(r.requestId());
    return core.route(new RouteQuery(r.requestId(), r.localHashes(), r.numTokens(), 0, null), candidates);
  }
}

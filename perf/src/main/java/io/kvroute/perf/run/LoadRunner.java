package io.kvroute.perf.run;

import io.kvroute.perf.client.RequestResult;
import io.kvroute.perf.client.RequestSpec;
import io.kvroute.perf.client.StreamingClient;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * Drives a workload: closed loop (each of {@code concurrency} slots sends the next request when its previous one
 * ends, as aiperf's concurrency mode) or open loop (each request is sent at its {@code sendAtMs}, optionally
 * capped at {@code concurrency} in flight, in which case a late request waits for a slot and is sent late).
 */
public final class LoadRunner {

  private final StreamingClient client;
  private final int concurrency;
  private final boolean openLoop;

  /** @param concurrency maximum requests in flight; 0 = unbounded (open loop only) */
  public LoadRunner(StreamingClient client, int concurrency, boolean openLoop) {
    if (concurrency < 0 || (!openLoop && concurrency == 0)) {
      throw new IllegalArgumentException("closed loop needs concurrency >= 1");
    }
    this.client = client;
    this.concurrency = concurrency;
    this.openLoop = openLoop;
  }

  public List<RequestResult> run(List<RequestSpec> specs, Progress progress) throws InterruptedException {
    RequestResult[] results = new RequestResult[specs.size()];
    CountDownLatch latch = new CountDownLatch(specs.size());
    Semaphore slots = new Semaphore(concurrency == 0 ? Integer.MAX_VALUE : concurrency);
    ScheduledExecutorService ticker = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "progress");
      t.setDaemon(true);
      return t;
    });
    ticker.scheduleAtFixedRate(progress::tick, 1, 1, TimeUnit.SECONDS);
    long start = System.nanoTime();
    try {
      for (int i = 0; i < specs.size(); i++) {
        RequestSpec spec = specs.get(i);
        if (openLoop && spec.sendAtMs() >= 0) {
          long due = start + spec.sendAtMs() * 1_000_000L;
          for (long wait = due - System.nanoTime(); wait > 0; wait = due - System.nanoTime()) {
            LockSupport.parkNanos(wait);
          }
        }
        slots.acquire();
        int slot = i;
        progress.onSent();
        client.send(spec, start).whenComplete((r, t) -> {
          RequestResult result = r != null ? r
              : new RequestResult(spec.index(), 0, 0, "client failure: " + t, -1, -1, -1, 0, -1, -1, 0, null);
          results[slot] = result;
          progress.onDone(result);
          slots.release();
          latch.countDown();
        });
      }
      latch.await();
    } finally {
      ticker.shutdownNow();
      progress.finish();
    }
    return new ArrayList<>(Arrays.asList(results));
  }
}

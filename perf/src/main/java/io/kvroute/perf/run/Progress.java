package io.kvroute.perf.run;

import io.kvroute.perf.client.RequestResult;
import io.kvroute.perf.stats.LatencySummary;
import java.io.PrintStream;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicLong;
import org.HdrHistogram.Histogram;

/**
 * Live counters of a run and the one-line progress display: rewritten in place on a terminal, one line every
 * few seconds otherwise (logs, CI).
 */
public final class Progress {

  private final int total;
  private final PrintStream out;
  private final boolean terminal;
  private final AtomicLong sent = new AtomicLong();
  private final AtomicLong done = new AtomicLong();
  private final AtomicLong errors = new AtomicLong();
  private final AtomicLong promptTokens = new AtomicLong();
  private final AtomicLong cachedTokens = new AtomicLong();
  private final AtomicLong outputTokens = new AtomicLong();
  private final Histogram ttft = LatencySummary.newHistogram();
  private final long startNanos = System.nanoTime();
  private long lastPrintNanos;

  public Progress(int total, PrintStream out, boolean terminal) {
    this.total = total;
    this.out = out;
    this.terminal = terminal;
  }

  public void onSent() {
    sent.incrementAndGet();
  }

  public void onDone(RequestResult r) {
    done.incrementAndGet();
    if (!r.ok()) {
      errors.incrementAndGet();
      return;
    }
    if (r.promptTokens() > 0 && r.cachedTokens() >= 0) {
      promptTokens.addAndGet(r.promptTokens());
      cachedTokens.addAndGet(r.cachedTokens());
    }
    outputTokens.addAndGet(Math.max(0, r.outputTokens()));
    synchronized (ttft) {
      LatencySummary.recordNanos(ttft, r.ttftNanos());
    }
  }

  public String line() {
    double elapsed = (System.nanoTime() - startNanos) / 1e9;
    long d = done.get();
    long p = promptTokens.get();
    double p50;
    synchronized (ttft) {
      p50 = ttft.getTotalCount() == 0 ? 0 : ttft.getValueAtPercentile(50) / 1000.0;
    }
    return String.format(Locale.ROOT,
        "%5.0fs  %d/%d done  %d in flight  %d errors  %.2f req/s  %.0f tok/s  hit %.1f%%  ttft p50 %.0f ms",
        elapsed, d, total, sent.get() - d, errors.get(), elapsed > 0 ? d / elapsed : 0,
        elapsed > 0 ? outputTokens.get() / elapsed : 0, p > 0 ? 100.0 * cachedTokens.get() / p : 0, p50);
  }

  /** Called about once a second by the runner. */
  public void tick() {
    long now = System.nanoTime();
    if (terminal) {
      out.print("\r" + line() + "   ");
      out.flush();
    } else if (now - lastPrintNanos >= 5_000_000_000L) {
      lastPrintNanos = now;
      out.println(line());
    }
  }

  public void finish() {
    if (terminal) {
      out.print("\r" + line() + "   \n");
    } else {
      out.println(line());
    }
    out.flush();
  }
}

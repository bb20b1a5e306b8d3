package io.kvroute.agent.sim;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.kvroute.agent.Await;
import io.kvroute.common.tokenizer.ModelTokenizer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The engine core on its own thread: batching, queueing, chunked prefill and the sampling parameters. */
@Timeout(60)
class SimEngineTest {

  private SimEngine engine;

  @AfterEach
  void stop() {
    if (engine != null) {
      engine.close();
    }
  }

  private SimEngine start(int blockSize, int numBlocks, int maxBatch, int maxTokens) {
    SimConfig c = SimConfig.defaults().withCapacity(blockSize, numBlocks, maxBatch, maxTokens, 1000.0);
    engine = new SimEngine(c, new TokenizerTextModel(ModelTokenizer.loadBundled())).start();
    return engine;
  }

  private record Result(String reason, int prompt, int completion, int cached, String text, int maxQueued) {
  }

  private static final class Collector implements RequestListener {
    final CompletableFuture<Result> done = new CompletableFuture<>();
    final StringBuilder text = new StringBuilder();
    final SimEngine engine;
    int maxQueued;

    Collector(SimEngine engine) {
      this.engine = engine;
    }

    @Override
    public void onToken(int tokenId, String piece) {
      text.append(piece);
      maxQueued = Math.max(maxQueued, engine.status().waiting());
    }

    @Override
    public void onFinish(String reason, int prompt, int completion, int cached, String error) {
      done.complete(new Result(reason, prompt, completion, cached, text.toString(), maxQueued));
    }
  }

  private static int[] prompt(int from, int n) {
    return IntStream.range(from, from + n).toArray();
  }

  private Result run(int[] prompt, GenerationParams p) throws Exception {
    Collector c = new Collector(engine);
    engine.submit(prompt, p, c);
    return c.done.get(20, TimeUnit.SECONDS);
  }

  /** Simulated time that jumps to each step's end at once: every step lasts exactly its modelled time. */
  private static final class JumpClock implements SimClock {
    private final AtomicLong now = new AtomicLong();

    @Override
    public long nanoTime() {
      return now.get();
    }

    @Override
    public void awaitDeadline(long deadlineNanos, BooleanSupplier stopped) {
      now.accumulateAndGet(deadlineNanos, Math::max);
    }
  }

  @Test
  void shouldChunkPrefillToTheTokenBudgetAndTimeEachStepByThePolynomialModelOverTheSpeedup() throws Exception {
    double speedup = 10.0;
    SimConfig c = SimConfig.defaults().withCapacity(16, 64, 8, 64, speedup);
    engine = new SimEngine(c, new TokenizerTextModel(ModelTokenizer.loadBundled()), new JumpClock()).start();
    Result r = run(prompt(0, 100), new GenerationParams(3, 0, true, List.of(), 0));
    assertThat(r.completion()).isEqualTo(3);
    List<SimEngine.StepStats> steps = new ArrayList<>();
    Await.until("four steps recorded", 10_000, () -> {
      steps.addAll(engine.drainStats());
      return steps.size() >= 4;
    });

    // 100 prompt tokens with 64 tokens per step: two prefill chunks (the second one yields the first token),
    // then one decode step per further token
    assertThat(steps).extracting(SimEngine.StepStats::numCtxTokens).containsExactly(64, 36, 0, 0);
    assertThat(steps).extracting(SimEngine.StepStats::numGenRequests).containsExactly(0, 0, 1, 1);
    assertThat(steps.get(0).iterLatencyMs()).isCloseTo(TimingModelTest.prefill(64) / speedup, within(1e-5));
    assertThat(steps.get(1).iterLatencyMs()).isCloseTo(TimingModelTest.prefill(36) / speedup, within(1e-5));
    // decoding at KV usage = 7 of 64 blocks held (101 and 102 tokens of 16-token blocks)
    assertThat(steps.get(2).iterLatencyMs()).isCloseTo(TimingModelTest.decode(7.0 / 64) / speedup, within(1e-5));
    assertThat(steps.get(3).iterLatencyMs()).isCloseTo(TimingModelTest.decode(7.0 / 64) / speedup, within(1e-5));
  }

  @Test
  void shouldRunAtMostMaxBatchSizeRequestsAtOnce() throws Exception {
    SimConfig c = SimConfig.defaults().withCapacity(16, 512, 2, 4096, 1.0);
    engine = new SimEngine(c, new TokenizerTextModel(ModelTokenizer.loadBundled()), new JumpClock());
    // all three are waiting when the engine's first step starts
    List<Collector> all = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      Collector col = new Collector(engine);
      engine.submit(prompt(i * 1000, 40), new GenerationParams(5, 0, true, List.of(), 0), col);
      all.add(col);
    }
    engine.start();
    for (Collector col : all) {
      assertThat(col.done.get(20, TimeUnit.SECONDS).completion()).isEqualTo(5);
    }
    List<SimEngine.StepStats> steps = new ArrayList<>();
    Await.until("idle step recorded", 10_000, () -> {
      steps.addAll(engine.drainStats());
      return !steps.isEmpty() && steps.get(steps.size() - 1).numActiveRequests() == 0;
    });
    assertThat(steps).allSatisfy(s -> {
      assertThat(s.numActiveRequests()).isLessThanOrEqualTo(2);
      assertThat(s.numScheduledRequests()).isLessThanOrEqualTo(2);
    });
    assertThat(steps).anySatisfy(s -> {
      assertThat(s.numActiveRequests()).isEqualTo(2);
      assertThat(s.numQueuedRequests()).isEqualTo(1);
    });
  }

  @Test
  void shouldQueueRequestsUntilBlocksAreFreedAndChunkLongPrefills() throws Exception {
    start(16, 20, 8, 64);
    GenerationParams p = new GenerationParams(40, 0, true, List.of(), 0);
    // each request reserves ceil((200 + 40) / 16) = 15 of the 20 blocks: the second must wait for the first
    Collector first = new Collector(engine);
    Collector second = new Collector(engine);
    engine.submit(prompt(0, 200), p, first);
    engine.submit(prompt(5000, 200), p, second);

    Result a = first.done.get(20, TimeUnit.SECONDS);
    Result b = second.done.get(20, TimeUnit.SECONDS);
    assertThat(a.completion()).isEqualTo(40);
    assertThat(b.completion()).isEqualTo(40);
    assertThat(a.maxQueued()).isEqualTo(1);
    List<SimEngine.StepStats> stats = engine.drainStats();
    assertThat(stats).allSatisfy(s -> assertThat(s.numCtxTokens()).isLessThanOrEqualTo(64));
    assertThat(stats).anySatisfy(s -> assertThat(s.numQueuedRequests()).isEqualTo(1));
    assertThat(stats).allSatisfy(s -> assertThat(s.usedNumBlocks()).isLessThanOrEqualTo(20));
    // The client hears the last token before the engine thread releases the request's blocks.
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (engine.status().usedBlocks() != 0 && System.nanoTime() - deadline < 0) {
      Thread.sleep(5);
    }
    assertThat(engine.status().usedBlocks()).isZero();
  }

  @Test
  void shouldHonourMinTokensSeedAndNaturalEnd() throws Exception {
    start(32, 512, 8, 512);
    int[] p = prompt(100, 50);
    Result natural = run(p, new GenerationParams(1000, 0, false, List.of(), 1));
    assertThat(natural.reason()).isEqualTo("stop");
    assertThat(natural.completion()).isBetween(16, 128);
    // readable: sentences of plain words
    assertThat(natural.text()).matches("( [A-Z]?[a-z]+\\.?)+");

    Result forced = run(p, new GenerationParams(300, 300, false, List.of(), 1));
    assertThat(forced.reason()).isEqualTo("length");
    assertThat(forced.completion()).isEqualTo(300);
    assertThat(forced.text()).startsWith(natural.text());

    Result same = run(p, new GenerationParams(12, 0, true, List.of(), 1));
    Result otherSeed = run(p, new GenerationParams(12, 0, true, List.of(), 2));
    assertThat(same.text()).isEqualTo(run(p, new GenerationParams(12, 0, true, List.of(), 1)).text());
    assertThat(otherSeed.text()).isNotEqualTo(same.text());
    assertThat(same.cached()).isEqualTo(32);
  }

  @Test
  void shouldAbortAQueuedOrRunningRequestAndFreeItsBlocks() throws Exception {
    SimConfig c = SimConfig.defaults().withCapacity(16, 64, 8, 64, 1.0);
    engine = new SimEngine(c, new TokenizerTextModel(ModelTokenizer.loadBundled())).start();
    Collector running = new Collector(engine);
    long id = engine.submit(prompt(0, 100), new GenerationParams(500, 0, true, List.of(), 0), running);
    long deadline = System.nanoTime() + 10_000_000_000L;
    while (engine.status().running() == 0 && System.nanoTime() - deadline < 0) {
      Thread.sleep(5);
    }
    assertThat(engine.status().usedBlocks()).isPositive();
    engine.abort(id);
    while (engine.status().running() > 0 && System.nanoTime() - deadline < 0) {
      Thread.sleep(5);
    }
    assertThat(engine.status().running()).isZero();
    assertThat(engine.status().usedBlocks()).isZero();
    assertThat(running.done).isNotDone();
  }
}

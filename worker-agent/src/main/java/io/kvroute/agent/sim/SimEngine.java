package io.kvroute.agent.sim;

import io.kvroute.common.codec.TrtllmEvent;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The simulated TensorRT-LLM engine core: a continuous-batching scheduler over a real {@link BlockManager},
 * running on its own thread. Each step schedules decodes first (one token per running request), then prefill
 * chunks of running requests, then admits waiting requests (FIFO, while the batch, the step's token budget and
 * the block pool allow), lets the step's modelled duration pass ({@link TimingModel}, paced by {@link StepPacer}),
 * then applies it: tokens are generated, finished requests store their blocks for reuse and release them. A step's
 * {@code iterLatencyMs} is its modelled duration.
 *
 * <p>Other threads talk to it through {@link #submit}, {@link #abort}, {@link #drainEvents()} and
 * {@link #drainStats()} only. KV events are TRT-LLM's ({@code created} first, consecutive ids from 0).
 */
public final class SimEngine implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(SimEngine.class);
  private static final long IDLE_PARK_NANOS = 50_000_000L;
  private static final int MAX_STATS = 1000;

  /** One iteration's statistics, as TRT-LLM reports them in {@code /metrics}. */
  public record StepStats(long iter, double iterLatencyMs, int numActiveRequests, int numQueuedRequests,
      int maxNumBlocks, int freeNumBlocks, int usedNumBlocks, int tokensPerBlock, long allocTotalBlocks,
      long allocNewBlocks, long reusedBlocks, long missedBlocks, double cacheHitRate, int numContextRequests,
      int numGenRequests, int numPausedRequests, int numScheduledRequests, int numCtxTokens) {
  }

  /** Engine state for health and the agent's load metrics. */
  public record Status(int running, int waiting, int usedBlocks, int totalBlocks) {
  }

  private interface Command {
  }

  private record Submit(SimRequest request) implements Command {
  }

  private record Abort(long id) implements Command {
  }

  private final SimConfig config;
  private final TextModel textModel;
  private final TextGenerator generator;
  private final TimingModel timing;
  private final StepPacer pacer;
  private final BlockManager blocks;
  private final ConcurrentLinkedQueue<Command> commands = new ConcurrentLinkedQueue<>();
  private final AtomicLong ids = new AtomicLong();
  private final Object eventLock = new Object();
  private final ArrayDeque<TrtllmEvent> events = new ArrayDeque<>();
  private final ArrayDeque<StepStats> stats = new ArrayDeque<>();
  private long nextEventId;
  private long droppedEvents;

  private final ArrayDeque<SimRequest> waiting = new ArrayDeque<>();
  private final List<SimRequest> running = new ArrayList<>();
  private long iteration;
  private volatile Status status;
  private volatile boolean stopped;
  private Thread thread;

  public SimEngine(SimConfig config, TextModel textModel) {
    this(config, textModel, SimClock.REAL);
  }

  /** An engine whose steps pass on {@code clock} (tests: a clock that jumps to each step's end). */
  SimEngine(SimConfig config, TextModel textModel, SimClock clock) {
    this.config = config;
    this.pacer = new StepPacer(clock);
    this.textModel = textModel;
    this.generator = new TextGenerator(textModel);
    this.timing = new TimingModel(config.speedup());
    this.blocks = new BlockManager(config.numBlocks(), config.blockSize(), new BlockManager.Sink() {
      @Override
      public void stored(Long parentHash, long[] blockHashes, int[][] tokens) {
        List<TrtllmEvent.StoredBlock> list = new ArrayList<>(blockHashes.length);
        for (int i = 0; i < blockHashes.length; i++) {
          list.add(new TrtllmEvent.StoredBlock(blockHashes[i], tokens[i], 0, 35, new long[0]));
        }
        emit(id -> new TrtllmEvent.Stored(id, config.windowSize(), null, parentHash, list));
      }

      @Override
      public void removed(long[] blockHashes) {
        emit(id -> new TrtllmEvent.Removed(id, config.windowSize(), null, blockHashes));
      }
    });
    emit(id -> new TrtllmEvent.Created(id, config.windowSize(), null, new long[] {config.numBlocks(), 0}));
    this.status = new Status(0, 0, 0, config.numBlocks());
  }

  public SimConfig config() {
    return config;
  }

  public TextModel textModel() {
    return textModel;
  }

  /** Starts the engine thread. */
  public synchronized SimEngine start() {
    if (thread == null) {
      thread = new Thread(this::run, "sim-engine");
      thread.setDaemon(true);
      thread.start();
    }
    return this;
  }

  /** Queues a request; returns its id (for {@link #abort}). The listener is called on the engine thread. */
  public long submit(int[] prompt, GenerationParams params, RequestListener listener) {
    long id = ids.incrementAndGet();
    if (prompt.length == 0) {
      listener.onFinish("invalid", 0, 0, 0, "the prompt is empty");
      return id;
    }
    if (prompt.length + params.maxTokens() > config.maxModelLen()) {
      listener.onFinish("invalid", prompt.length, 0, 0, "prompt (" + prompt.length + " tokens) + max_tokens ("
          + params.maxTokens() + ") exceeds the maximum model length " + config.maxModelLen());
      return id;
    }
    if (blocks.blocksFor(prompt.length + params.maxTokens()) > config.numBlocks()) {
      listener.onFinish("invalid", prompt.length, 0, 0, "the request needs more KV blocks than the engine has ("
          + config.numBlocks() + ")");
      return id;
    }
    commands.add(new Submit(new SimRequest(id, prompt, params, listener, generator, textModel)));
    wake();
    return id;
  }

  /** Aborts a request (client gone): its blocks are freed; the listener hears nothing more. */
  public void abort(long id) {
    commands.add(new Abort(id));
    wake();
  }

  /** Returns and forgets the KV events emitted since the last call (POST /kv_cache_events). */
  public List<TrtllmEvent> drainEvents() {
    synchronized (eventLock) {
      List<TrtllmEvent> out = new ArrayList<>(events);
      events.clear();
      return out;
    }
  }

  /** Returns and forgets the iteration statistics since the last call (GET /metrics). */
  public List<StepStats> drainStats() {
    synchronized (eventLock) {
      List<StepStats> out = new ArrayList<>(stats);
      stats.clear();
      return out;
    }
  }

  /** Events dropped because nobody drained the buffer in time. */
  public long droppedEvents() {
    synchronized (eventLock) {
      return droppedEvents;
    }
  }

  public Status status() {
    return status;
  }

  @Override
  public void close() {
    stopped = true;
    Thread t;
    synchronized (this) {
      t = thread;
    }
    if (t != null) {
      LockSupport.unpark(t);
      try {
        t.join(2000);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }

  private interface EventFactory {
    TrtllmEvent make(long id);
  }

  private void emit(EventFactory f) {
    synchronized (eventLock) {
      if (events.size() >= config.eventBufferMaxSize()) {
        events.pollFirst();
        droppedEvents++;
      }
      events.addLast(f.make(nextEventId++));
    }
  }

  private void wake() {
    Thread t = thread;
    if (t != null) {
      LockSupport.unpark(t);
    }
  }

  // ------------------------------------------------------------------------------------------ engine thread

  private void run() {
    LOG.info("event=sim_engine_started blocks={} block_size={} max_batch={} max_tokens={} speedup={}",
        config.numBlocks(), config.blockSize(), config.maxBatchSize(), config.maxNumTokens(), config.speedup());
    while (!stopped) {
      try {
        drainCommands();
        if (running.isEmpty() && waiting.isEmpty()) {
          pacer.idle();
          LockSupport.parkNanos(IDLE_PARK_NANOS);
          continue;
        }
        long step = schedule();
        pacer.pace(step, () -> stopped);
        apply(step);
      } catch (RuntimeException e) {
        LOG.error("event=sim_engine_step_failed error=\"{}\"", e.toString());
        failAll(e.toString());
      }
    }
    failAll("engine stopped");
    LOG.info("event=sim_engine_stopped");
  }

  private void drainCommands() {
    for (Command c; (c = commands.poll()) != null; ) {
      if (c instanceof Submit s) {
        waiting.addLast(s.request());
        publishStatus();
      } else if (c instanceof Abort a) {
        abortNow(a.id());
      }
    }
  }

  private void abortNow(long id) {
    for (Iterator<SimRequest> it = waiting.iterator(); it.hasNext(); ) {
      SimRequest r = it.next();
      if (r.id == id) {
        it.remove();
        r.phase = SimRequest.Phase.DONE;
        return;
      }
    }
    for (Iterator<SimRequest> it = running.iterator(); it.hasNext(); ) {
      SimRequest r = it.next();
      if (r.id == id) {
        it.remove();
        // Only what was computed is in the cache: full blocks of the computed tokens.
        blocks.store(r.holding, r.tokens, r.computed, false);
        blocks.release(r.holding);
        blocks.flushRemoved();
        r.phase = SimRequest.Phase.DONE;
        publishStatus();
        return;
      }
    }
  }

  private void failAll(String why) {
    for (SimRequest r : running) {
      blocks.release(r.holding);
      r.listener.onFinish("error", r.promptLength, r.outputTokens, r.cachedTokens, why);
    }
    running.clear();
    for (SimRequest r : waiting) {
      r.listener.onFinish("error", r.promptLength, 0, 0, why);
    }
    waiting.clear();
    publishStatus();
  }

  private int ctxRequests;
  private int genRequests;
  private int ctxTokens;

  /** Plans one step; returns its simulated duration in nanoseconds. */
  private long schedule() {
    int budget = config.maxNumTokens();
    ctxRequests = 0;
    genRequests = 0;
    ctxTokens = 0;
    for (SimRequest r : running) {
      r.scheduled = 0;
      if (r.phase == SimRequest.Phase.DECODE && budget > 0) {
        r.scheduled = 1;
        budget--;
        genRequests++;
      }
    }
    for (SimRequest r : running) {
      if (r.phase == SimRequest.Phase.PREFILL && budget > 0) {
        r.scheduled = Math.min(r.promptLength - r.computed, budget);
        budget -= r.scheduled;
        ctxTokens += r.scheduled;
        ctxRequests++;
      }
    }
    while (!waiting.isEmpty() && running.size() < config.maxBatchSize() && budget > 0) {
      SimRequest r = waiting.peekFirst();
      BlockManager.Holding h = blocks.admit(r.tokens, r.promptLength, r.maxTotalTokens());
      if (h == null) {
        break;
      }
      waiting.pollFirst();
      r.holding = h;
      // The last prompt token is always computed (it yields the first output token).
      r.cachedTokens = Math.min(h.matchedTokens, r.promptLength - 1);
      r.computed = r.cachedTokens;
      r.phase = SimRequest.Phase.PREFILL;
      r.scheduled = Math.min(r.promptLength - r.computed, budget);
      budget -= r.scheduled;
      ctxTokens += r.scheduled;
      ctxRequests++;
      running.add(r);
    }
    double usage = (double) blocks.usedBlocks() / blocks.numBlocks();
    return timing.stepNanos(ctxTokens, genRequests, usage);
  }

  /** Applies the planned step: computes the tokens, generates output, finishes and releases. */
  private void apply(long stepNanos) {
    for (Iterator<SimRequest> it = running.iterator(); it.hasNext(); ) {
      SimRequest r = it.next();
      if (r.scheduled == 0) {
        continue;
      }
      if (r.phase == SimRequest.Phase.PREFILL) {
        blocks.ensureCapacity(r.holding, r.computed + r.scheduled);
        r.computed += r.scheduled;
        if (r.computed < r.promptLength) {
          continue;
        }
        blocks.store(r.holding, r.tokens, r.promptLength, false);
        r.phase = SimRequest.Phase.DECODE;
        r.listener.onPrefillDone(r.promptLength, r.cachedTokens);
        if (r.params.maxTokens() == 0) {
          finish(r, "length");
          it.remove();
          continue;
        }
      }
      String reason = generateOne(r);
      if (reason != null) {
        finish(r, reason);
        it.remove();
      }
    }
    blocks.flushRemoved();
    recordStats(stepNanos);
    publishStatus();
  }

  /** Generates one token; returns a finish reason, or null to continue. */
  private String generateOne(SimRequest r) {
    GenerationParams p = r.params;
    if (!p.ignoreEos() && r.outputTokens >= Math.max(p.minTokens(), 1)
        && r.outputTokens >= r.stream.naturalLength()) {
      return "stop";
    }
    int token = r.stream.next();
    blocks.ensureCapacity(r.holding, r.length + 1);
    r.append(token);
    r.computed = r.length - 1;
    String piece = r.decoder.push(token);
    if (p.stop().isEmpty()) {
      r.listener.onToken(token, piece);
    } else if (emitUntilStop(r, token, piece)) {
      return "stop";
    }
    if (r.outputTokens >= p.maxTokens()) {
      return "length";
    }
    return null;
  }

  /**
   * Adds {@code piece} to the request's text and sends what can no longer be the start of a stop string; returns
   * true when a stop string is complete (the text before it is sent, the rest never). As vLLM, stop strings count
   * only once {@code min_tokens} tokens were generated.
   */
  private static boolean emitUntilStop(SimRequest r, int token, String piece) {
    int before = r.text.length();
    r.text.append(piece);
    if (r.outputTokens >= r.params.minTokens()) {
      int cut = firstStop(r.text, r.params.stop(), before);
      if (cut >= 0) {
        emitUpTo(r, token, cut);
        r.stopMatched = true;
        return true;
      }
    }
    int safe = r.text.length() - r.holdBack;
    if (safe > 0 && Character.isHighSurrogate(r.text.charAt(safe - 1))) {
      safe--; // never split a surrogate pair
    }
    emitUpTo(r, token, safe);
    return false;
  }

  private static void emitUpTo(SimRequest r, int token, int end) {
    String out = end > r.emitted ? r.text.substring(r.emitted, end) : "";
    r.emitted = Math.max(r.emitted, end);
    r.listener.onToken(token, out);
  }

  private static int firstStop(CharSequence text, List<String> stops, int newFrom) {
    String s = text.toString();
    int best = -1;
    for (String stop : stops) {
      if (stop.isEmpty()) {
        continue;
      }
      int from = Math.max(0, newFrom - stop.length() + 1);
      int at = s.indexOf(stop, from);
      if (at >= 0 && (best < 0 || at < best)) {
        best = at;
      }
    }
    return best;
  }

  private void finish(SimRequest r, String reason) {
    blocks.store(r.holding, r.tokens, r.length, true);
    blocks.release(r.holding);
    r.phase = SimRequest.Phase.DONE;
    String tail = r.stopMatched ? "" : r.decoder.flush();
    if (!r.params.stop().isEmpty() && !r.stopMatched) {
      // the held-back end of the text, unless the decoder's last characters complete a stop string
      int before = r.text.length();
      r.text.append(tail);
      int cut = r.outputTokens >= r.params.minTokens() ? firstStop(r.text, r.params.stop(), before) : -1;
      tail = r.text.substring(r.emitted, cut >= 0 ? cut : r.text.length());
      r.stopMatched = cut >= 0;
    }
    if (!tail.isEmpty()) {
      r.listener.onToken(-1, tail);
    }
    r.listener.onFinish(r.stopMatched ? "stop" : reason, r.promptLength, r.outputTokens, r.cachedTokens, null);
  }

  private void recordStats(long stepNanos) {
    iteration++;
    long reused = blocks.reusedBlocks;
    long missed = blocks.missedBlocks;
    StepStats s = new StepStats(iteration, stepNanos / 1_000_000.0, running.size(), waiting.size(),
        blocks.numBlocks(), blocks.freeBlocks(), blocks.usedBlocks(), blocks.blockSize(), blocks.allocTotalBlocks,
        blocks.allocNewBlocks, reused, missed, reused + missed == 0 ? 0.0 : (double) reused / (reused + missed),
        ctxRequests, genRequests, 0, ctxRequests + genRequests, ctxTokens);
    synchronized (eventLock) {
      if (stats.size() >= MAX_STATS) {
        stats.pollFirst();
      }
      stats.addLast(s);
    }
  }

  private void publishStatus() {
    status = new Status(running.size(), waiting.size(), blocks.usedBlocks(), blocks.numBlocks());
  }
}

package io.kvroute.router.ingest;

import io.kvroute.common.codec.DecodeException;
import io.kvroute.common.codec.KvFrames;
import io.kvroute.common.codec.KvPayloadDecoder;
import io.kvroute.common.event.KvEventBatch;
import io.kvroute.router.core.RouterCore;
import io.kvroute.router.registry.WorkerRegistry;
import io.kvroute.router.registry.WorkerSpec;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Owns every KV-event SUB socket on one thread ({@link SubscriberLoop}): decodes frames and payloads (agent format
 * and raw vLLM format), refuses events of misconfigured workers, and feeds each worker's {@link WorkerStream}, which
 * tracks seqs and recovers gaps. Membership changes arrive as registry callbacks and are queued to the loop.
 */
public final class KvEventIngest implements WorkerRegistry.Listener, AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(KvEventIngest.class);

  private static final KvEventBatch EMPTY = new KvEventBatch(0.0, List.of(), 0);

  private final int blockSize;
  private final RouterCore core;
  private final WorkerRegistry registry;
  private final RecoveryClient recovery;
  private final IngestListener listener;
  private final LongSupplier clockMillis;
  private final int liveOnlyAfter;
  private final long liveOnlyRetryMs;
  private final SubscriberLoop loop;
  private final EngineReplayClient engineReplay;
  private final Map<String, Subscription> subscriptions = new HashMap<>();

  private final class Subscription {
    final WorkerSpec spec;
    final KvPayloadDecoder decoder;
    final WorkerStream stream;

    Subscription(WorkerSpec spec) {
      this.spec = spec;
      this.decoder = new KvPayloadDecoder(blockSize);
      this.stream = new WorkerStream(spec.id(), spec.url(), core, recovery, listener, loop::execute, clockMillis,
          new WorkerStream.BootstrapListener() {
            @Override
            public void onBootstrapped(String workerId, boolean bootstrapped) {
              registry.setBootstrapped(workerId, bootstrapped);
            }

            @Override
            public void onLiveOnly(String workerId, boolean liveOnly) {
              registry.setLiveOnly(workerId, liveOnly);
            }

            @Override
            public void onBlockSizeMismatch(String workerId, String detail) {
              registry.markMisconfigured(workerId, detail);
            }
          }, blockSize, liveOnlyAfter, liveOnlyRetryMs, engineReplayOf(spec));
    }

    /** The engine's replay socket when the worker has one and no agent (notes §2.6), else null. */
    private WorkerStream.EngineReplay engineReplayOf(WorkerSpec spec) {
      String endpoint = spec.replayEndpoint();
      if (endpoint == null || endpoint.isBlank() || (spec.url() != null && !spec.url().isBlank())) {
        return null;
      }
      return start -> {
        CompletableFuture<List<RecoveryClient.SeqBatch>> decoded = new CompletableFuture<>();
        engineReplay.replayFrom(endpoint, start).whenComplete((raw, err) -> loop.execute(() -> {
          // Decoded on the ingest thread: the decoder's learned state belongs to this subscription.
          if (err != null) {
            decoded.completeExceptionally(err);
            return;
          }
          List<RecoveryClient.SeqBatch> out = new java.util.ArrayList<>(raw.size());
          for (EngineReplayClient.SeqPayload p : raw) {
            out.add(new RecoveryClient.SeqBatch(p.seq(), decodeCounted(p.seq(), p.payload())));
          }
          decoded.complete(out);
        }));
        return decoded;
      };
    }

    /** Decodes one payload, counting dropped events; a refused payload becomes an empty batch (its seq is used). */
    private KvEventBatch decodeCounted(long seq, byte[] payload) {
      String id = spec.id();
      KvPayloadDecoder.Result result = decoder.decode(payload);
      if (result.droppedEvents() != null) {
        for (KvPayloadDecoder.DroppedEvent d : result.droppedEvents()) {
          listener.dropped(id, d.reason(), 1);
          if (KvPayloadDecoder.BLOCK_SIZE_MISMATCH.equals(d.reason())) {
            blockSizeMismatch(id, d.detail());
          }
        }
      }
      if (!result.isOk()) {
        listener.dropped(id, result.reason(), 1);
        if (KvPayloadDecoder.BLOCK_SIZE_MISMATCH.equals(result.reason())) {
          blockSizeMismatch(id, result.detail());
        } else {
          LOG.warn("kv payload refused worker={} seq={} reason={} detail=\"{}\"", id, seq, result.reason(),
              result.detail());
        }
        return EMPTY;
      }
      return result.batch();
    }

    void onMessage(List<byte[]> frames) {
      String id = spec.id();
      if (registry.isMisconfigured(id)) {
        listener.dropped(id, "misconfigured", 1);
        return;
      }
      KvFrames.Frame frame;
      try {
        frame = KvFrames.decode(frames);
      } catch (DecodeException e) {
        listener.dropped(id, "bad_frames", 1);
        LOG.warn("kv message refused worker={} reason=bad_frames detail=\"{}\"", id, e.getMessage());
        return;
      }
      registry.touch(id);
      KvEventBatch batch = decodeCounted(frame.seq(), frame.payload());
      // A refused payload (EMPTY) still consumes its seq, so it is not mistaken for a gap; a batch that carried a
      // block-size mismatch is refused whole.
      if (batch != EMPTY && registry.isMisconfigured(id)) {
        return;
      }
      stream.onLive(frame.seq(), batch);
    }
  }

  private void blockSizeMismatch(String workerId, String detail) {
    registry.markMisconfigured(workerId, "events carry another block size than the router's " + blockSize + ": "
        + detail);
  }

  public KvEventIngest(int blockSize, RouterCore core, WorkerRegistry registry, RecoveryClient recovery,
      IngestListener listener, LongSupplier clockMillis) {
    this(blockSize, core, registry, recovery, listener, clockMillis, WorkerStream.LIVE_ONLY_AFTER_FAILURES,
        WorkerStream.LIVE_ONLY_RETRY_MS, 10_000);
  }

  /**
   * @param liveOnlyAfter failed bootstrap snapshots after which a worker is served live-only
   * @param liveOnlyRetryMs snapshot retry period floor of a live-only worker
   * @param engineReplayTimeoutMs timeout of one replay from a raw engine's replay socket
   */
  public KvEventIngest(int blockSize, RouterCore core, WorkerRegistry registry, RecoveryClient recovery,
      IngestListener listener, LongSupplier clockMillis, int liveOnlyAfter, long liveOnlyRetryMs,
      long engineReplayTimeoutMs) {
    this.engineReplay = new EngineReplayClient(engineReplayTimeoutMs);
    this.liveOnlyAfter = liveOnlyAfter;
    this.liveOnlyRetryMs = liveOnlyRetryMs;
    this.blockSize = blockSize;
    this.core = core;
    this.registry = registry;
    this.recovery = recovery;
    this.listener = listener;
    this.clockMillis = clockMillis;
    this.loop = new SubscriberLoop("kv-ingest", 50, this::onTick);
  }

  public KvEventIngest start() {
    loop.start();
    return this;
  }

  @Override
  public void onAdded(WorkerSpec spec, WorkerSpec previous) {
    loop.execute(() -> add(spec));
  }

  @Override
  public void onRemoved(String workerId) {
    loop.execute(() -> {
      Subscription s = subscriptions.remove(workerId);
      if (s != null) {
        s.stream.close();
        loop.unsubscribe(workerId);
      }
      core.submitRemoveWorker(workerId);
    });
  }

  @Override
  public void onExpired(String workerId) {
    loop.execute(() -> {
      Subscription s = subscriptions.get(workerId);
      if (s != null) {
        s.stream.expire();
      } else {
        core.submitResetAll(workerId);
      }
    });
  }

  /** Completes on the ingest thread once every command queued before this call has run. */
  public CompletableFuture<Void> barrier() {
    CompletableFuture<Void> f = new CompletableFuture<>();
    loop.execute(() -> f.complete(null));
    return f;
  }

  private void add(WorkerSpec spec) {
    Subscription old = subscriptions.get(spec.id());
    if (old != null && old.spec.sameEndpoints(spec)) {
      // Same endpoints: the worker came back after its entries expired; bootstrap again.
      old.stream.restart();
      return;
    }
    if (old != null) {
      old.stream.close();
      loop.unsubscribe(spec.id());
      core.submitResetAll(spec.id());
    }
    Subscription s = new Subscription(spec);
    subscriptions.put(spec.id(), s);
    if (spec.eventsEndpoint() != null && !spec.eventsEndpoint().isBlank()) {
      loop.subscribe(spec.id(), spec.eventsEndpoint(), false, s::onMessage);
    }
    s.stream.start();
  }

  private void onTick() {
    for (Subscription s : subscriptions.values()) {
      s.stream.onTick();
    }
  }

  @Override
  public void close() {
    loop.close();
    engineReplay.close();
  }
}

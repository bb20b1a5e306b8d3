package io.kvroute.router.cluster;

import io.kvroute.common.codec.DecodeException;
import io.kvroute.router.registry.WorkerSpec;
import io.vertx.core.json.JsonObject;

/**
 * A registered worker as stored in the shared registry map (JSON text, readable in any Hazelcast tool):
 * {@code {"worker_id","url","events_endpoint","metrics_endpoint","block_size","model","dp_size","source",
 * "heartbeat_ms" (wall clock of the last registration), "replica" (replica that received it)}}.
 */
public final class WorkerRecordCodec {

  /** A decoded record. */
  public record WorkerRecord(WorkerSpec spec, String source, long heartbeatMillis, String replicaId) {
  }

  private WorkerRecordCodec() {
  }

  public static String encode(WorkerRecord r) {
    WorkerSpec s = r.spec();
    return new JsonObject().put("worker_id", s.id()).put("url", s.url()).put("events_endpoint", s.eventsEndpoint())
        .put("metrics_endpoint", s.metricsEndpoint()).put("block_size", s.blockSize()).put("model", s.model())
        .put("dp_size", s.dpSize()).put("replay_endpoint", s.replayEndpoint()).put("source", r.source()).put("heartbeat_ms", r.heartbeatMillis())
        .put("replica", r.replicaId()).encode();
  }

  public static WorkerRecord decode(String text) throws DecodeException {
    try {
      JsonObject o = new JsonObject(text);
      WorkerSpec spec = new WorkerSpec(o.getString("worker_id"), o.getString("url"), o.getString("events_endpoint"),
          o.getString("metrics_endpoint"), o.getInteger("block_size"), o.getString("model"),
          o.getInteger("dp_size", 1), o.getString("replay_endpoint"));
      return new WorkerRecord(spec, o.getString("source", "registered"), o.getLong("heartbeat_ms", 0L),
          o.getString("replica"));
    } catch (RuntimeException e) {
      throw new DecodeException("malformed worker record", e);
    }
  }
}

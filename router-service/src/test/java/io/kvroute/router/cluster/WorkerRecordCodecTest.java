package io.kvroute.router.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import io.kvroute.common.codec.DecodeException;
import io.kvroute.router.registry.WorkerSpec;
import org.junit.jupiter.api.Test;

class WorkerRecordCodecTest {

  @Test
  void shouldCarryTheEngineReplayEndpointBetweenReplicas() throws DecodeException {
    WorkerRecordCodec.WorkerRecord r = new WorkerRecordCodec.WorkerRecord(new WorkerSpec("vllm-0", null,
        "tcp://e:5557", null, 16, "m", 2, "tcp://e:5558"), "registered", 42L, "r1");
    assertThat(WorkerRecordCodec.decode(WorkerRecordCodec.encode(r))).isEqualTo(r);
    WorkerRecordCodec.WorkerRecord none = new WorkerRecordCodec.WorkerRecord(new WorkerSpec("w", "http://a:1",
        "tcp://a:2", "tcp://a:3", 16, null, 1), "static", 1L, "r2");
    assertThat(WorkerRecordCodec.decode(WorkerRecordCodec.encode(none))).isEqualTo(none);
  }
}

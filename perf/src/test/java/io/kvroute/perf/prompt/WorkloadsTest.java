package io.kvroute.perf.prompt;

import static org.assertj.core.api.Assertions.assertThat;

import io.kvroute.perf.client.RequestSpec;
import io.kvroute.perf.trace.TraceRequest;
import io.vertx.core.json.JsonObject;
import java.util.List;
import org.junit.jupiter.api.Test;

class WorkloadsTest {

  private static final TokenVocabulary VOCAB = new TokenVocabulary(new int[] {100, 101, 102, 103},
      new String[] {" alpha", " beta", " gamma", " delta"});

  private static int words(String text) {
    return text.split(" ", -1).length - 1;
  }

  @Test
  void shouldBuildTheReferenceSyntheticWorkload() {
    List<RequestSpec> specs = Workloads.synthetic(VOCAB, "m", Workloads.Api.CHAT, 3000, 100, 100, 10, 42);
    assertThat(specs).hasSize(100);
    JsonObject first = new JsonObject(specs.get(0).body().get());
    assertThat(first.getString("model")).isEqualTo("m");
    assertThat(first.getBoolean("stream")).isTrue();
    assertThat(first.getJsonObject("stream_options").getBoolean("include_usage")).isTrue();
    assertThat(first.getInteger("max_tokens")).isEqualTo(100);
    assertThat(first.getInteger("min_tokens")).isEqualTo(100);
    assertThat(first.getBoolean("ignore_eos")).isTrue();
    String content = first.getJsonArray("messages").getJsonObject(0).getString("content");
    assertThat(words(content)).isEqualTo(3000);
    assertThat(specs.get(10).body().get()).isEqualTo(specs.get(0).body().get());
    assertThat(specs.get(1).body().get()).isNotEqualTo(specs.get(0).body().get());
    assertThat(specs).allMatch(s -> s.sendAtMs() < 0 && s.path().equals("/v1/chat/completions"));
  }

  @Test
  void shouldReplayTraceTimestampsScaledFromTheFirstRequest() {
    List<TraceRequest> trace = List.of(new TraceRequest(1, 1000, 600, 5, new long[] {1, 2}),
        new TraceRequest(2, 3000, 512, 0, new long[] {1}));
    BlockTokenMapper mapper = new BlockTokenMapper(VOCAB.size(), 512, 1);
    List<RequestSpec> specs = Workloads.trace(VOCAB, mapper, "m", Workloads.Api.COMPLETIONS_TOKENS, trace, 0.5);
    assertThat(specs).extracting(RequestSpec::sendAtMs).containsExactly(0L, 1000L);
    JsonObject body = new JsonObject(specs.get(0).body().get());
    assertThat(body.getJsonArray("prompt")).hasSize(600);
    assertThat(body.getInteger("max_tokens")).isEqualTo(5);
    assertThat(specs.get(1).maxTokens()).isEqualTo(1);
    JsonObject second = new JsonObject(specs.get(1).body().get());
    assertThat(second.getJsonArray("prompt").getList()).isEqualTo(body.getJsonArray("prompt").getList().subList(0, 512));
  }

  @Test
  void shouldClipInputsOutputsAndTheHashIdsTheyCover() {
    List<TraceRequest> clipped = Workloads.clip(List.of(new TraceRequest(1, 0, 2000, 900, new long[] {1, 2, 3, 4})),
        1100, 64);
    assertThat(clipped.get(0).inputLength()).isEqualTo(1100);
    assertThat(clipped.get(0).outputLength()).isEqualTo(64);
    assertThat(clipped.get(0).hashIds()).containsExactly(1, 2, 3);
    assertThat(Workloads.clip(clipped, 0, 0).get(0).inputLength()).isEqualTo(1100);
  }
}

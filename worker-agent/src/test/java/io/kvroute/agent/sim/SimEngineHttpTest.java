package io.kvroute.agent.sim;

import static org.assertj.core.api.Assertions.assertThat;

import io.kvroute.agent.Await;
import io.kvroute.agent.TestHttp;
import io.kvroute.common.codec.IterationStats;
import io.kvroute.common.codec.IterationStatsCodec;
import io.kvroute.common.codec.TrtllmEvent;
import io.kvroute.common.codec.TrtllmEventCodec;
import io.kvroute.common.tokenizer.ModelTokenizer;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(60)
class SimEngineHttpTest {

  private static Vertx vertx;
  private static SimEngineServer server;
  private static String url;
  /** What the engine's event queue held before any request. */
  private static List<TrtllmEvent> startEvents;

  @BeforeAll
  static void start() throws Exception {
    vertx = Vertx.vertx();
    SimConfig config = SimConfig.defaults().withPort("127.0.0.1", 0).withCapacity(16, 64, 8, 256, 1000.0);
    server = SimEngineServer.start(vertx, config, ModelTokenizer.loadBundled()).toCompletionStage()
        .toCompletableFuture().get(30, TimeUnit.SECONDS);
    url = server.baseUrl();
    startEvents = TrtllmEventCodec.decodeArray(TestHttp.post(url + "/kv_cache_events", "").body()).events();
  }

  @AfterAll
  static void stop() throws Exception {
    server.stop().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
  }

  private static String ids(int from, int n) {
    return new JsonArray(IntStream.range(from, from + n).boxed().toList()).encode();
  }

  @Test
  void shouldReportCachedTokensForARepeatedPromptAndEmitTrtllmEvents() throws Exception {
    List<TrtllmEvent> earlier = TrtllmEventCodec.decodeArray(TestHttp.post(url + "/kv_cache_events", "").body())
        .events();
    String body = "{\"prompt\":" + ids(1000, 40) + ",\"max_tokens\":5,\"ignore_eos\":true}";
    JsonObject first = new JsonObject(TestHttp.post(url + "/v1/completions", body).body());
    JsonObject second = new JsonObject(TestHttp.post(url + "/v1/completions", body).body());

    assertThat(first.getJsonObject("usage").getInteger("completion_tokens")).isEqualTo(5);
    assertThat(first.getJsonObject("usage").getJsonObject("prompt_tokens_details").getInteger("cached_tokens"))
        .isZero();
    assertThat(second.getJsonObject("usage").getJsonObject("prompt_tokens_details").getInteger("cached_tokens"))
        .isEqualTo(32);
    assertThat(second.getJsonArray("choices").getJsonObject(0).getString("text"))
        .isEqualTo(first.getJsonArray("choices").getJsonObject(0).getString("text")).isNotBlank();

    List<TrtllmEvent> events = new ArrayList<>(earlier);
    events.addAll(TrtllmEventCodec.decodeArray(TestHttp.post(url + "/kv_cache_events", "").body()).events());
    for (int i = 0; i < events.size(); i++) {
      assertThat(events.get(i).eventId()).isEqualTo(events.get(0).eventId() + i);
      assertThat(events.get(i).windowSize()).isNotNull();
    }
    events = events.subList(earlier.size(), events.size());
    TrtllmEvent.Stored stored = (TrtllmEvent.Stored) events.get(0);
    assertThat(stored.parentHash()).isNull();
    assertThat(stored.blocks()).hasSize(2);
    assertThat(stored.blocks().get(0).tokenIds()).isEqualTo(IntStream.range(1000, 1016).toArray());
    // the release stores the partial last block (8 prompt tokens + 5 output tokens)
    TrtllmEvent.Stored onRelease = (TrtllmEvent.Stored) events.get(1);
    assertThat(onRelease.blocks()).last().satisfies(b -> assertThat(b.tokenIds()).hasSize(13));
    assertThat(TrtllmEventCodec.decodeArray(TestHttp.post(url + "/kv_cache_events", "").body()).events()).isEmpty();

    List<IterationStats> stats = IterationStatsCodec.decodeArray(TestHttp.get(url + "/metrics").body());
    assertThat(stats).isNotEmpty();
    assertThat(stats.get(stats.size() - 1).kvCacheStats().maxNumBlocks()).isEqualTo(64);
  }

  @Test
  void shouldStartItsEventStreamWithCreatedAtIdZeroCarryingTheWindowSize() {
    assertThat(startEvents).hasSize(1);
    TrtllmEvent.Created created = (TrtllmEvent.Created) startEvents.get(0);
    assertThat(created.eventId()).isZero();
    assertThat(created.windowSize()).isEqualTo(server.engine().config().windowSize());
    assertThat(created.numBlocksPerCacheLevel()).containsExactly(64, 0);
  }

  @Test
  void shouldServeModelsHealthATextPromptWithoutUsageAndDrainIterationStats() throws Exception {
    JsonObject models = new JsonObject(TestHttp.get(url + "/v1/models").body());
    assertThat(models.getJsonArray("data").getJsonObject(0).getString("id")).isEqualTo(SimConfig.DEFAULT_MODEL);
    assertThat(TestHttp.get(url + "/health").statusCode()).isEqualTo(200);

    // a text prompt, streamed without stream_options: no usage chunk
    HttpResponse<String> r = TestHttp.post(url + "/v1/completions",
        "{\"prompt\":\"The router keeps the cache warm\",\"max_tokens\":6,\"ignore_eos\":true,\"stream\":true}");
    assertThat(r.statusCode()).isEqualTo(200);
    String[] sse = r.body().split("\n\n");
    assertThat(sse[sse.length - 1]).isEqualTo("data: [DONE]");
    JsonObject last = new JsonObject(sse[sse.length - 2].substring(6));
    assertThat(last.getJsonArray("choices").getJsonObject(0).getString("finish_reason")).isEqualTo("length");
    assertThat(r.body()).doesNotContain("\"usage\"");
    // the same text prompt, not streamed: usage counts the prompt's real tokens
    JsonObject whole = new JsonObject(TestHttp.post(url + "/v1/completions",
        "{\"prompt\":\"The router keeps the cache warm\",\"max_tokens\":6,\"ignore_eos\":true}").body());
    int promptTokens = ModelTokenizer.loadBundled().encode("The router keeps the cache warm").length;
    assertThat(whole.getJsonObject("usage").getInteger("prompt_tokens")).isEqualTo(promptTokens);
    StringBuilder streamed = new StringBuilder();
    for (int i = 0; i < sse.length - 1; i++) {
      streamed.append(new JsonObject(sse[i].substring(6)).getJsonArray("choices").getJsonObject(0).getString("text"));
    }
    assertThat(whole.getJsonArray("choices").getJsonObject(0).getString("text")).isEqualTo(streamed.toString())
        .isNotBlank();

    // /metrics hands out each iteration once
    // (the client can hear the last token before the engine thread records that step)
    List<IterationStats> stats = new ArrayList<>();
    Await.until("the last step recorded", 10_000, () -> {
      stats.addAll(IterationStatsCodec.decodeArray(TestHttp.get(url + "/metrics").body()));
      return !stats.isEmpty() && stats.get(stats.size() - 1).numActiveRequests() == 0;
    });
    assertThat(stats).extracting(IterationStats::iter).doesNotHaveDuplicates().isSorted();
    assertThat(IterationStatsCodec.decodeArray(TestHttp.get(url + "/metrics").body())).isEmpty();
  }

  @Test
  void shouldStreamChatCompletionWithUsageAndHonourStop() throws Exception {
    String body = "{\"messages\":[{\"role\":\"user\",\"content\":\"Tell me about caches\"}],\"max_tokens\":30,"
        + "\"stream\":true,\"stream_options\":{\"include_usage\":true},\"seed\":7}";
    HttpResponse<String> r = TestHttp.post(url + "/v1/chat/completions", body);
    assertThat(r.statusCode()).isEqualTo(200);
    String[] events = r.body().split("\n\n");
    assertThat(events[events.length - 1]).isEqualTo("data: [DONE]");
    JsonObject firstChunk = new JsonObject(events[0].substring(6));
    assertThat(firstChunk.getJsonArray("choices").getJsonObject(0).getJsonObject("delta").getString("role"))
        .isEqualTo("assistant");
    JsonObject usageChunk = new JsonObject(events[events.length - 2].substring(6));
    assertThat(usageChunk.getJsonObject("usage").getInteger("prompt_tokens")).isGreaterThan(5);
    StringBuilder text = new StringBuilder();
    for (int i = 1; i < events.length - 2; i++) {
      JsonObject delta = new JsonObject(events[i].substring(6)).getJsonArray("choices").getJsonObject(0)
          .getJsonObject("delta");
      text.append(delta.getString("content", ""));
    }
    assertThat(text.toString()).isNotBlank();

    // a stop string of two words (several tokens): the output ends right before it, streamed or not, and no part
    // of it was sent before it was recognised
    String[] words = text.toString().trim().split(" ");
    String stop = words[2] + " " + words[3];
    String expected = text.substring(0, text.indexOf(stop));
    String stopBody = body.replace("\"seed\":7", "\"seed\":7,\"stop\":[\"" + stop + "\"]");
    String[] stoppedStream = TestHttp.post(url + "/v1/chat/completions", stopBody).body().split("\n\n");
    StringBuilder streamedText = new StringBuilder();
    String finish = null;
    for (int i = 1; i < stoppedStream.length - 2; i++) {
      JsonObject choice = new JsonObject(stoppedStream[i].substring(6)).getJsonArray("choices").getJsonObject(0);
      streamedText.append(choice.getJsonObject("delta").getString("content", ""));
      finish = choice.getString("finish_reason", finish);
    }
    assertThat(streamedText.toString()).isEqualTo(expected);
    assertThat(finish).isEqualTo("stop");
    String whole = stopBody.replace("\"stream\":true,", "");
    JsonObject stopped = new JsonObject(TestHttp.post(url + "/v1/chat/completions", whole).body());
    String content = stopped.getJsonArray("choices").getJsonObject(0).getJsonObject("message").getString("content");
    assertThat(content).isEqualTo(expected);
    assertThat(stopped.getJsonArray("choices").getJsonObject(0).getString("finish_reason")).isEqualTo("stop");

    // as vLLM: a stop string counts only once min_tokens tokens are out
    JsonObject late = new JsonObject(TestHttp.post(url + "/v1/chat/completions",
        whole.replace("\"seed\":7", "\"seed\":7,\"min_tokens\":30")).body());
    assertThat(late.getJsonArray("choices").getJsonObject(0).getJsonObject("message").getString("content"))
        .startsWith(expected + stop);
  }

  @Test
  void shouldRejectBadRequestsWithJsonErrors() throws Exception {
    assertThat(TestHttp.post(url + "/v1/completions", "{\"prompt\":[1,-2]}").statusCode()).isEqualTo(400);
    assertThat(TestHttp.post(url + "/v1/completions", "nope").statusCode()).isEqualTo(400);
    for (String bad : new String[] {"\"max_tokens\":\"5\"", "\"min_tokens\":-1", "\"ignore_eos\":\"yes\"",
        "\"seed\":1.5", "\"stop\":[1]", "\"stream\":1", "\"stream_options\":true"}) {
      HttpResponse<String> r = TestHttp.post(url + "/v1/completions", "{\"prompt\":[1,2]," + bad + "}");
      assertThat(r.statusCode()).as(bad).isEqualTo(400);
      assertThat(new JsonObject(r.body()).getJsonObject("error").getString("type")).isEqualTo("invalid_request_error");
    }
    HttpResponse<String> tooBig = TestHttp.post(url + "/v1/completions",
        "{\"prompt\":" + ids(0, 2000) + ",\"max_tokens\":4}");
    assertThat(tooBig.statusCode()).isEqualTo(400);
    assertThat(new JsonObject(tooBig.body()).getJsonObject("error").getString("message")).contains("KV blocks");
  }
}

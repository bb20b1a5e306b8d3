package io.kvroute.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import io.kvroute.common.tokenizer.ModelTokenizer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * --segment-cache-chars reaches the tokenizer the gateway serves with, and the cache shows on /metrics: a
 * conversation whose second request repeats the first turn hits the cache; with the cache off nothing is cached.
 * Token ids are identical either way (the plain tokenizer is the reference).
 */
@Timeout(60)
class SegmentCacheMetricsTest {

  private static final String METRIC = "kvroute_gateway_tokenizer_segment_cache_";

  private static String turn(int i) {
    return "Turn " + i + ": explain how prefix block " + i + " is reused by the KV-aware router, in detail. ";
  }

  /** A system prompt, {@code turns} user/assistant exchanges, then a new user message. */
  private static JsonArray messages(int turns) {
    JsonArray messages = new JsonArray().add(new JsonObject().put("role", "system").put("content",
        "You are a careful assistant. ".repeat(20)));
    for (int i = 0; i < turns; i++) {
      messages.add(new JsonObject().put("role", "user").put("content", turn(i).repeat(8)));
      messages.add(new JsonObject().put("role", "assistant").put("content", ("Answer " + i + ". ").repeat(30)));
    }
    return messages.add(new JsonObject().put("role", "user").put("content", "And now turn " + turns + "?"));
  }

  /** /tokenize of {@link #messages}. */
  private static JsonArray tokenize(TestGateway gw, int turns) throws Exception {
    HttpResponse<String> r = gw.post("/tokenize", new JsonObject().put("messages", messages(turns))
        .put("add_generation_prompt", true).encode());
    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    return new JsonObject(r.body()).getJsonArray("tokens");
  }

  private static double metric(String scrape, String name) {
    Matcher m = Pattern.compile("(?m)^" + METRIC + name + "(?:\\{[^}]*})? ([0-9.Ee+-]+)$").matcher(scrape);
    assertThat(m.find()).as("%s%s in /metrics", METRIC, name).isTrue();
    return Double.parseDouble(m.group(1));
  }

  @Test
  void shouldCountHitsMissesAndBytesOfTheConfiguredSegmentCache() throws Exception {
    long bound = 1L << 20;
    GatewayConfig config = GatewayConfig.from(GatewayConfig.options().parse(new String[] {
        "--router-url", "http://127.0.0.1:" + TestGateway.deadPort(), "--http-port", "0", "--host", "127.0.0.1"},
        Map.of("KVROUTE_SEGMENT_CACHE_CHARS", Long.toString(bound))));
    assertThat(config.segmentCacheChars()).isEqualTo(bound);
    ModelTokenizer tokenizer = config.loadTokenizer();
    try (TestGateway gw = TestGateway.start(config, tokenizer)) {
      String before = gw.get("/metrics").body();
      assertThat(metric(before, "max_bytes")).isEqualTo(2.0 * bound);
      assertThat(metric(before, "hits_total")).isZero();

      JsonArray first = tokenize(gw, 1);
      String afterFirst = gw.get("/metrics").body();
      double misses1 = metric(afterFirst, "misses_total");
      assertThat(misses1).isPositive();
      assertThat(metric(afterFirst, "entries")).isPositive();
      assertThat(metric(afterFirst, "size_bytes")).isPositive().isLessThanOrEqualTo(2.0 * bound);

      JsonArray second = tokenize(gw, 2); // repeats the system prompt and turn 0
      String afterSecond = gw.get("/metrics").body();
      assertThat(metric(afterSecond, "hits_total")).isGreaterThanOrEqualTo(3); // system, user 0, assistant 0
      assertThat(metric(afterSecond, "misses_total")).isGreaterThan(misses1); // turn 1 and the new question
      assertThat(second.size()).isGreaterThan(first.size());

      ModelTokenizer plain = ModelTokenizer.loadBundled(0);
      assertThat(second.getList()).isEqualTo(plainIds(plain, 2));
    }
  }

  /** The plain (uncached) tokenizer's ids of the same conversation. */
  private static List<Object> plainIds(ModelTokenizer plain, int turns) throws Exception {
    List<Map<String, Object>> list = messages(turns).stream().map(o -> ((JsonObject) o).getMap()).toList();
    int[] ids = plain.encode(plain.applyChatTemplate(list, null, true));
    return java.util.Arrays.stream(ids).<Object>mapToObj(Integer::valueOf).toList();
  }

  @Test
  void shouldCacheNothingWhenTheSegmentCacheIsOff() throws Exception {
    GatewayConfig config = GatewayConfig.forTest(List.of("http://127.0.0.1:" + TestGateway.deadPort()))
        .withSegmentCacheChars(0);
    try (TestGateway gw = TestGateway.start(config, config.loadTokenizer())) {
      tokenize(gw, 1);
      tokenize(gw, 2);
      String scrape = gw.get("/metrics").body();
      assertThat(metric(scrape, "max_bytes")).isZero();
      assertThat(metric(scrape, "hits_total")).isZero();
      assertThat(metric(scrape, "misses_total")).as("no lookups at all").isZero();
      assertThat(metric(scrape, "entries")).isZero();
      assertThat(metric(scrape, "size_bytes")).isZero();
    }
  }
}

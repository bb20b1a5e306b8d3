package io.kvroute.perf.client;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class SseResponseParserTest {

  private final AtomicLong clock = new AtomicLong(1_000);

  private SseResponseParser parser(int status) {
    return new SseResponseParser(7, 500, 1_000, clock::get, status, "worker-3");
  }

  @Test
  void shouldTimeTextChunksAndReadUsage() {
    SseResponseParser p = parser(200);
    clock.set(1_100);
    p.onLine("data: {\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\"}}]}");
    clock.set(1_300);
    p.onLine("data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\"Hel\"}}]}\r");
    p.onLine("");
    clock.set(1_500);
    p.onLine("data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\"lo\"},\"finish_reason\":null}]}");
    clock.set(1_600);
    p.onLine("data: {\"choices\":[],\"usage\":{\"prompt_tokens\":3030,\"completion_tokens\":2,"
        + "\"prompt_tokens_details\":{\"cached_tokens\":2048}}}");
    p.onLine("data: [DONE]");
    clock.set(1_700);
    RequestResult r = p.finish(null);
    assertThat(r.ok()).isTrue();
    assertThat(r.index()).isEqualTo(7);
    assertThat(r.sentAtNanos()).isEqualTo(500);
    assertThat(r.ttftNanos()).isEqualTo(300);
    assertThat(r.lastTokenNanos()).isEqualTo(500);
    assertThat(r.e2eNanos()).isEqualTo(700);
    assertThat(r.outputTokens()).isEqualTo(2);
    assertThat(r.promptTokens()).isEqualTo(3030);
    assertThat(r.cachedTokens()).isEqualTo(2048);
    assertThat(r.worker()).isEqualTo("worker-3");
  }

  @Test
  void shouldReadLegacyCompletionText() {
    SseResponseParser p = parser(200);
    clock.set(1_050);
    p.onLine("data: {\"choices\":[{\"index\":0,\"text\":\"abc\"}]}");
    p.onLine("data: [DONE]");
    RequestResult r = p.finish(null);
    assertThat(r.ttftNanos()).isEqualTo(50);
    assertThat(r.outputTokens()).isEqualTo(1);
    assertThat(r.cachedTokens()).isEqualTo(-1);
  }

  @Test
  void shouldReportHttpErrorsStreamErrorsAndTruncation() {
    SseResponseParser http = parser(503);
    http.onLine("{\"error\":{\"message\":\"no worker available\"}}");
    assertThat(http.finish(null).error()).isEqualTo("HTTP 503: {\"error\":{\"message\":\"no worker available\"}}");

    SseResponseParser mid = parser(200);
    mid.onLine("data: {\"choices\":[{\"delta\":{\"content\":\"x\"}}]}");
    mid.onLine("data: {\"error\":{\"message\":\"worker died\"}}");
    mid.onLine("data: [DONE]");
    assertThat(mid.finish(null).error()).isEqualTo("stream error: worker died");

    SseResponseParser cut = parser(200);
    cut.onLine("data: {\"choices\":[{\"delta\":{\"content\":\"x\"}}]}");
    assertThat(cut.finish(null).error()).isEqualTo("stream ended without [DONE]");

    SseResponseParser junk = parser(200);
    junk.onLine("data: {not json");
    junk.onLine("data: [DONE]");
    assertThat(junk.finish(null).error()).startsWith("malformed SSE data");
  }
}

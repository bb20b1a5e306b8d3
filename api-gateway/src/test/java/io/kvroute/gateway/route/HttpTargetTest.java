package io.kvroute.gateway.route;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import java.util.List;
import org.junit.jupiter.api.Test;

class HttpTargetTest {

  @Test
  void shouldGiveTheSameOptionsAsAnAbsoluteUri() {
    for (String base : List.of("http://127.0.0.1:8100", "http://localhost", "https://example.com",
        "http://10.0.0.5:7000/prefix", "http://[::1]:8000")) {
      RequestOptions expected = new RequestOptions().setAbsoluteURI(base + "/v1/route");
      RequestOptions actual = HttpTarget.options(base, HttpMethod.POST, "/v1/route");
      assertThat(actual.getHost()).as(base).isEqualTo(expected.getHost());
      assertThat(actual.getPort()).as(base).isEqualTo(expected.getPort());
      assertThat(actual.isSsl()).as(base).isEqualTo(expected.isSsl());
      assertThat(actual.getURI()).as(base).isEqualTo(expected.getURI());
      assertThat(actual.getMethod()).isEqualTo(HttpMethod.POST);
    }
  }

  @Test
  void shouldLeaveUnusualUrlsToTheAbsoluteUriParser() {
    assertThat(HttpTarget.parse("ftp://x/")).isNull();
    assertThat(HttpTarget.parse("http://h:1/?q=1")).isNull();
    assertThat(HttpTarget.parse("not a url")).isNull();
    assertThat(HttpTarget.options("http://h:1/?q=1", HttpMethod.GET, "").getHost()).isEqualTo("h");
  }
}

package io.kvroute.common.codec;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

class JsonStringsTest {

  @Test
  void shouldWriteLiteralsThatAJsonParserReadsBackUnchanged() {
    StringBuilder controls = new StringBuilder();
    for (char c = 0; c < 0x20; c++) {
      controls.append(c);
    }
    for (String s : new String[] {"", "plain", "quote \" backslash \\ slash /", controls.toString(),
        "unicode é 漢字 😀 \u2028\u2029"}) {
      String json = JsonStrings.appendQuoted(new StringBuilder("{\"s\":"), s).append('}').toString();
      assertThat(new JsonObject(json).getString("s")).isEqualTo(s);
    }
  }

  @Test
  void shouldEscapeLineSeparatorsAndWriteNullAsNull() {
    assertThat(JsonStrings.appendQuoted(new StringBuilder(), "a\u2028b\nc").toString())
        .isEqualTo("\"a\\u2028b\\nc\"");
    assertThat(JsonStrings.appendQuoted(new StringBuilder(), null).toString()).isEqualTo("null");
  }
}

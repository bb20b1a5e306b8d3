package io.kvroute.common.tokenizer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Expected strings are CPython 3 {@code json.dumps} / {@code repr(float)} outputs. */
class PyJsonTest {

  @Test
  void shouldFormatFloatsLikePythonRepr() {
    assertThat(PyJson.floatRepr(1.0)).isEqualTo("1.0");
    assertThat(PyJson.floatRepr(100.0)).isEqualTo("100.0");
    assertThat(PyJson.floatRepr(0.25)).isEqualTo("0.25");
    assertThat(PyJson.floatRepr(-2.5)).isEqualTo("-2.5");
    assertThat(PyJson.floatRepr(1e-05)).isEqualTo("1e-05");
    assertThat(PyJson.floatRepr(0.0001)).isEqualTo("0.0001");
    assertThat(PyJson.floatRepr(1e16)).isEqualTo("1e+16");
    assertThat(PyJson.floatRepr(1e15)).isEqualTo("1000000000000000.0");
    assertThat(PyJson.floatRepr(123456789.125)).isEqualTo("123456789.125");
    assertThat(PyJson.floatRepr(1.5e300)).isEqualTo("1.5e+300");
    assertThat(PyJson.floatRepr(0.1 + 0.2)).isEqualTo("0.30000000000000004");
    assertThat(PyJson.floatRepr(-0.0)).isEqualTo("-0.0");
    assertThat(PyJson.floatRepr(Double.NaN)).isEqualTo("NaN");
    assertThat(PyJson.floatRepr(Double.NEGATIVE_INFINITY)).isEqualTo("-Infinity");
  }

  @Test
  void shouldDumpLikeHuggingFaceToJson() {
    Map<String, Object> value = new LinkedHashMap<>();
    value.put("z", "quote \" back \\ slash / tab \t nl \n ctrl \u0001 del \u007f é 東京 🚀");
    value.put("a", Arrays.asList(1, 2L, 2.0, true, false, null));
    value.put("empty", new LinkedHashMap<>());
    value.put("none", new ArrayList<>());
    assertThat(PyJson.dumps(value)).isEqualTo("{\"z\": \"quote \\\" back \\\\ slash / tab \\t nl \\n ctrl \\u0001 del"
        + " \u007f é 東京 🚀\", \"a\": [1, 2, 2.0, true, false, null], \"empty\": {}, \"none\": []}");
  }

  @Test
  void shouldSupportIndentSeparatorsSortKeysAndEnsureAscii() {
    Map<String, Object> value = new LinkedHashMap<>();
    value.put("b", List.of(1, Map.of("c", "é")));
    value.put("a", Map.of());
    assertThat(PyJson.dumps(value, PyJson.Options.of(2, null, false, false)))
        .isEqualTo("{\n  \"b\": [\n    1,\n    {\n      \"c\": \"é\"\n    }\n  ],\n  \"a\": {}\n}");
    assertThat(PyJson.dumps(value, PyJson.Options.of(null, List.of(",", ":"), true, true)))
        .isEqualTo("{\"a\":{},\"b\":[1,{\"c\":\"\\u00e9\"}]}");
    assertThat(PyJson.dumps("🚀", PyJson.Options.of(null, null, false, true))).isEqualTo("\"\\ud83d\\ude80\"");
  }

  @Test
  void shouldRejectValuesPythonCannotSerialize() {
    assertThatThrownBy(() -> PyJson.dumps(new Object())).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("not JSON serializable");
  }
}

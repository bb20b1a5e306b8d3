package io.kvroute.perf.trace;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.BufferedReader;
import java.io.StringReader;
import java.util.List;
import org.junit.jupiter.api.Test;

class MooncakeTraceReaderTest {

  private static final String TRACE = """
      {"timestamp": 0, "input_length": 6758, "output_length": 500, "hash_ids": [0, 1, 2]}
      {"timestamp": 0, "input_length": 7322, "output_length": 490, "hash_ids": [0, 14, 15]}

      {"timestamp": 27482, "input_length": 1000, "output_length": 3, "hash_ids": [46, 47]}
      {"timestamp": 30535, "input_length": 10, "output_length": 1, "hash_ids": []}
      """;

  private static List<TraceRequest> read(String text, int offset, int limit) throws Exception {
    return MooncakeTraceReader.read(new BufferedReader(new StringReader(text)), offset, limit);
  }

  @Test
  void shouldParseEveryFieldAndSkipBlankLines() throws Exception {
    List<TraceRequest> all = read(TRACE, 0, 0);
    assertThat(all).hasSize(4);
    TraceRequest third = all.get(2);
    assertThat(third.line()).isEqualTo(4);
    assertThat(third.timestampMs()).isEqualTo(27482);
    assertThat(third.inputLength()).isEqualTo(1000);
    assertThat(third.outputLength()).isEqualTo(3);
    assertThat(third.hashIds()).containsExactly(46, 47);
    assertThat(all.get(3).hashIds()).isEmpty();
  }

  @Test
  void shouldSelectAContiguousSliceWithOffsetAndLimit() throws Exception {
    List<TraceRequest> slice = read(TRACE, 1, 2);
    assertThat(slice).extracting(TraceRequest::inputLength).containsExactly(7322, 1000);
    assertThat(read(TRACE, 3, 10)).extracting(TraceRequest::inputLength).containsExactly(10);
    assertThat(read(TRACE, 9, 0)).isEmpty();
  }

  @Test
  void shouldRejectBadLinesNamingTheLine() {
    assertThatThrownBy(() -> read("{\"timestamp\":0}\n", 0, 0))
        .isInstanceOf(TraceFormatException.class).hasMessageContaining("line 1").hasMessageContaining("input_length");
    assertThatThrownBy(() -> read(TRACE + "[1,2]\n", 0, 0))
        .isInstanceOf(TraceFormatException.class).hasMessageContaining("line 6");
    assertThatThrownBy(() -> read("{\"timestamp\":0,\"input_length\":1,\"output_length\":1,\"hash_ids\":[1.5]}", 0, 0))
        .isInstanceOf(TraceFormatException.class).hasMessageContaining("hash_ids[0]");
    assertThatThrownBy(() -> read("{\"timestamp\":-1,\"input_length\":1,\"output_length\":1,\"hash_ids\":[]}", 0, 0))
        .isInstanceOf(TraceFormatException.class).hasMessageContaining("negative");
    assertThatThrownBy(() -> read("{\"timestamp\":0,\"input_length\":1,\"output_length\":1,\"hash_ids\":3}", 0, 0))
        .isInstanceOf(TraceFormatException.class).hasMessageContaining("array");
    assertThatThrownBy(() -> read("not json", 0, 0))
        .isInstanceOf(TraceFormatException.class).hasMessageContaining("line 1");
  }
}

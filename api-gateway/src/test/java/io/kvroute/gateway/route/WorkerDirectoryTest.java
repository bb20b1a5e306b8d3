package io.kvroute.gateway.route;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.json.JsonArray;
import java.util.Set;
import org.junit.jupiter.api.Test;

class WorkerDirectoryTest {

  @Test
  void shouldParseWorkersAndSkipUnusableOnes() {
    JsonArray arr = new JsonArray("[{\"worker_id\":\"worker-0\",\"url\":\"http://h:1/\",\"state\":\"up\"},"
        + "{\"id\":\"worker-1\",\"url\":\"http://h:2\"},{\"worker_id\":\"worker-2\",\"url\":\"http://h:3\","
        + "\"state\":\"down\"},{\"worker_id\":\"worker-3\"},{\"worker_id\":\"worker-4\",\"url\":\"http://h:5\","
        + "\"healthy\":false}]");
    assertThat(WorkerDirectory.parse(arr)).containsExactly(
        new WorkerDirectory.Worker("worker-0", "http://h:1"), new WorkerDirectory.Worker("worker-1", "http://h:2"));
  }

  @Test
  void shouldRotateAndHonourExclusions() {
    WorkerDirectory d = new WorkerDirectory();
    assertThat(d.next(Set.of())).isNull();
    d.update(new JsonArray("[{\"worker_id\":\"a\",\"url\":\"http://a\"},{\"worker_id\":\"b\",\"url\":\"http://b\"},"
        + "{\"worker_id\":\"c\",\"url\":\"http://c\"}]"));
    java.util.List<String> seen = new java.util.ArrayList<>();
    for (int i = 0; i < 6; i++) {
      seen.add(d.next(Set.of()).id());
    }
    assertThat(seen).containsExactly("a", "b", "c", "a", "b", "c");
    for (int i = 0; i < 4; i++) {
      assertThat(d.next(Set.of("a", "c")).id()).isEqualTo("b");
    }
    assertThat(d.next(Set.of("a", "b", "c"))).isNull();
  }
}

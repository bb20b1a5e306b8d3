package io.kvroute.perf.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The shell entry points parse, are executable and answer --help without building or starting anything. */
class ScriptsTest {

  private static final Path ROOT = RepoPaths.root();
  private static final List<String> SCRIPTS = List.of("deploy/run-local.sh", "deploy/ping.sh",
      "deploy/gen-compose.sh", "perf/perf.sh", "perf/compare.sh", "perf/jmh.sh");

  @Test
  void shouldBeValidExecutableBash() throws Exception {
    for (String script : SCRIPTS) {
      assertThat(Files.isExecutable(ROOT.resolve(script))).as(script + " is executable").isTrue();
      RepoPaths.Result r = RepoPaths.run(ROOT, "bash", "-n", script);
      assertThat(r.exit()).as(script + ": " + r.output()).isZero();
    }
  }

  @Test
  void shouldPrintHelpAndRejectUnknownOptions() throws Exception {
    for (String script : List.of("deploy/run-local.sh", "deploy/ping.sh", "perf/perf.sh", "perf/compare.sh")) {
      RepoPaths.Result help = RepoPaths.run(ROOT, "bash", script, "--help");
      assertThat(help.exit()).as(script + ": " + help.output()).isZero();
      assertThat(help.output()).as(script).containsIgnoringCase("usage");
      RepoPaths.Result bad = RepoPaths.run(ROOT, "bash", script, "--no-such-option");
      assertThat(bad.exit()).as(script).isEqualTo(2);
    }
    assertThat(RepoPaths.run(ROOT, "bash", "deploy/gen-compose.sh").exit()).isEqualTo(2);
  }

  @Test
  void shouldUseOnlyContractFlagsWhenStartingServices() throws Exception {
    String runLocal = Files.readString(ROOT.resolve("deploy/run-local.sh"));
    assertThat(runLocal).contains("--worker-index", "--engine sim", "--http-port", "--kv-events-port",
        "--metrics-port", "--router-url", "--router-port", "--policy", "--num-blocks", "--speedup", "--block-size");
    assertThat(runLocal).contains("8000 + port_offset", "7000 + port_offset", "8100 + port_offset",
        "5557 + port_offset", "5657 + port_offset");
  }
}

package io.kvroute.perf.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Validates the compose files with Debian's docker-compose ({@code config} needs no Docker engine). */
class ComposeValidationTest {

  private static final Path ROOT = RepoPaths.root();

  @BeforeAll
  static void needsDockerCompose() {
    Assumptions.assumeTrue(RepoPaths.onPath("docker-compose"),
        "docker-compose is not installed: compose validation SKIPPED (apt-get install docker-compose; .ci/run does)");
  }

  private static RepoPaths.Result config(Path file, String profile) throws Exception {
    return RepoPaths.run(file.getParent(), "docker-compose", "-f", file.toString(), "--profile", profile, "config",
        "-q");
  }

  @Test
  void shouldAcceptTheCommittedComposeFileInBothProfiles() throws Exception {
    Path compose = ROOT.resolve("deploy/docker-compose.yml");
    for (String profile : List.of("gpu", "sim")) {
      RepoPaths.Result r = config(compose, profile);
      assertThat(r.exit()).as("docker-compose config --profile %s: %s", profile, r.output()).isZero();
    }
  }

  @Test
  void shouldAcceptAGeneratedFileForThreeGpus(@TempDir Path dir) throws Exception {
    RepoPaths.Result gen = RepoPaths.run(ROOT, "bash", "deploy/gen-compose.sh", "3", "--out-dir", dir.toString(),
        "--block-size", "64");
    assertThat(gen.exit()).as(gen.output()).isZero();
    RepoPaths.Result r = config(dir.resolve("docker-compose.yml"), "gpu");
    assertThat(r.exit()).as(r.output()).isZero();
    ComposeModel model = ComposeModel.load(dir.resolve("docker-compose.yml"));
    assertThat(model.serviceNames()).contains("trtllm-2", "worker-agent-2", "sim-agent-2");
  }

  @Test
  void shouldRejectABrokenFile(@TempDir Path dir) throws Exception {
    Path broken = dir.resolve("docker-compose.yml");
    Files.writeString(broken, Files.readString(ROOT.resolve("deploy/docker-compose.yml"))
        .replace("restart: unless-stopped", "restart: [not, a, string]"));
    assertThat(config(broken, "sim").exit()).isNotZero();
  }
}

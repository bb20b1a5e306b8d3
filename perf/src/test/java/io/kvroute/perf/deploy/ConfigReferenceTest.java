package io.kvroute.perf.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * deploy/README.md documents each service's options as its jar prints them in --help, with environment variable and
 * default. Options of the shared CLI contract (TEAM.md) must be documented exactly; options a service added since the
 * reference was generated are only reported (so a new flag elsewhere does not fail this module). Needs the jars
 * (built by `mvn package` before perf's tests in the reactor); skipped when absent.
 */
class ConfigReferenceTest {

  private static final Path ROOT = RepoPaths.root();
  private static final Pattern OPTION = Pattern.compile(
      "^  (--[a-z0-9-]+).*\\[env (KVROUTE_[A-Z0-9_]+)(?:, default ([^\\]]*))?\\]$", Pattern.MULTILINE);

  /** The shared CLI contract of TEAM.md, as "module --flag". */
  private static final java.util.Set<String> CONTRACT = contract();

  private static java.util.Set<String> contract() {
    java.util.Set<String> s = new java.util.HashSet<>();
    for (String f : List.of("worker-index", "worker-id", "engine", "engine-url", "engine-events-endpoint",
        "engine-replay-endpoint", "http-port", "kv-events-port", "metrics-port", "block-size", "model", "router-url",
        "advertise-host", "replay-buffer", "num-blocks", "max-batch-size", "max-num-tokens", "speedup")) {
      s.add("worker-agent --" + f);
    }
    for (String f : List.of("router-port", "block-size", "num-workers", "base-kv-events-port", "base-metrics-port",
        "base-agent-port", "worker", "policy", "worker-ttl", "host", "cluster", "cluster-members", "cluster-name",
        "cluster-port", "replica-id")) {
      s.add("router-service --" + f);
    }
    for (String f : List.of("http-port", "router-url", "block-size", "model", "tokenizer-dir", "max-model-len",
        "default-max-tokens", "api-key", "api-key-file", "fallback-policy", "max-retries")) {
      s.add("api-gateway --" + f);
    }
    return s;
  }

  @Test
  void shouldDocumentEveryOptionOfEveryService() throws Exception {
    String readme = Files.readString(ROOT.resolve("deploy/README.md"));
    for (String module : List.of("worker-agent", "router-service", "api-gateway")) {
      Path jar = ROOT.resolve(module + "/target/" + module + ".jar");
      Assumptions.assumeTrue(Files.exists(jar), jar + " not built: config reference check SKIPPED");
      RepoPaths.Result help = RepoPaths.run(ROOT, "java", "-jar", jar.toString(), "--help");
      assertThat(help.exit()).as(help.output()).isZero();
      String section = readme.substring(readme.indexOf("#### `" + module + "`"));
      section = section.substring(0, Math.max(section.indexOf("\n####", 5), 0) > 0
          ? section.indexOf("\n####", 5) : section.length());
      Matcher m = OPTION.matcher(help.output());
      int n = 0;
      while (m.find()) {
        n++;
        String row = "| `" + m.group(1) + "`";
        if (!section.contains(row) && !CONTRACT.contains(module + " " + m.group(1))) {
          System.err.println("deploy/README.md lacks " + module + " " + m.group(1)
              + ": run deploy/gen-config-reference.sh");
          continue;
        }
        assertThat(section).as("%s %s in deploy/README.md (run deploy/gen-config-reference.sh)", module, m.group(1))
            .contains(row);
        String line = section.lines().filter(l -> l.startsWith(row)).findFirst().orElseThrow();
        assertThat(line).contains("`" + m.group(2) + "`");
        if (m.group(3) != null) {
          assertThat(line).contains("`" + m.group(3) + "`");
        }
      }
      assertThat(n).as(module + " --help lists options").isGreaterThan(5);
      // Every option line of --help names its env var (an option without one would not match OPTION).
      assertThat(help.output().lines().filter(l -> l.startsWith("  --")).count())
          .as("%s --help option lines, each with [env KVROUTE_...]", module).isEqualTo(n);
    }
  }
}

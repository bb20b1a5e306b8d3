package io.kvroute.common.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

class CliOptionsTest {

  /** A help line: option name, then its env var (and default) in brackets at the end. */
  private static final Pattern HELP_LINE = Pattern.compile("^  --([a-z0-9-]+)(?: <value>)?(?: \\(repeatable\\))? +.*"
      + "\\[env (KVROUTE_[A-Z0-9_]+)(?:, default ([^\\]]*))?\\]$");

  private static CliOptions options() {
    return CliOptions.create("svc", "A test service.")
        .option("block-size", "32", "tokens per KV block")
        .option("base-kv-events-port", "5557", "first worker's ZMQ port")
        .option("model", "Qwen/Qwen2.5-0.5B-Instruct", "model name")
        .option("api-key-file", null, "file of API keys")
        .option("speedup", "1.0", "time divisor")
        .option("empty-default", "", "empty unless given")
        .repeatable("router-url", "router base URL")
        .flag("cluster", "join the replica cluster");
  }

  /** Every option the help lists, with the env var it names. */
  private static Map<String, String> envByOption(String help) {
    java.util.LinkedHashMap<String, String> out = new java.util.LinkedHashMap<>();
    for (String line : help.lines().filter(l -> l.startsWith("  --")).toList()) {
      Matcher m = HELP_LINE.matcher(line);
      assertThat(m.matches()).as("help line names its env var: %s", line).isTrue();
      out.put(m.group(1), m.group(2));
    }
    return out;
  }

  @Test
  void shouldListEveryOptionWithItsEnvVarAndDefaultInHelp() {
    String help = options().help();
    assertThat(help).startsWith("Usage: svc [options]\n\nA test service.\n\nOptions:\n");
    assertThat(envByOption(help)).containsExactly(
        Map.entry("help", "KVROUTE_HELP"),
        Map.entry("block-size", "KVROUTE_BLOCK_SIZE"),
        Map.entry("base-kv-events-port", "KVROUTE_BASE_KV_EVENTS_PORT"),
        Map.entry("model", "KVROUTE_MODEL"),
        Map.entry("api-key-file", "KVROUTE_API_KEY_FILE"),
        Map.entry("speedup", "KVROUTE_SPEEDUP"),
        Map.entry("empty-default", "KVROUTE_EMPTY_DEFAULT"),
        Map.entry("router-url", "KVROUTE_ROUTER_URL"),
        Map.entry("cluster", "KVROUTE_CLUSTER"));
    assertThat(help).contains("[env KVROUTE_BLOCK_SIZE, default 32]")
        .contains("[env KVROUTE_EMPTY_DEFAULT, default \"\"]")
        .contains("[env KVROUTE_API_KEY_FILE]");
  }

  @Test
  void shouldReadEveryOptionFromTheEnvVarItsHelpNames() throws Exception {
    CliOptions cli = options();
    Map<String, String> envNames = envByOption(cli.help());
    for (Map.Entry<String, String> e : envNames.entrySet()) {
      boolean flag = e.getKey().equals("help") || e.getKey().equals("cluster");
      String value = flag ? "true" : "from-env-" + e.getKey();
      CliOptions.Parsed parsed = cli.parse(new String[0], Map.of(e.getValue(), value));
      assertThat(parsed.string(e.getKey())).as("--%s from %s", e.getKey(), e.getValue()).isEqualTo(value);
      // Every other option keeps its default: the env var reaches exactly its own option.
      for (String other : envNames.keySet()) {
        if (!other.equals(e.getKey())) {
          assertThat(parsed.list(other)).isEqualTo(cli.parse(new String[0], Map.of()).list(other));
        }
      }
    }
  }

  @Test
  void shouldPreferTheCommandLineOverTheEnvironmentOverTheDefault() throws Exception {
    CliOptions cli = options();
    assertThat(cli.parse(new String[0], Map.of()).integer("block-size")).isEqualTo(32);
    assertThat(cli.parse(new String[0], Map.of("KVROUTE_BLOCK_SIZE", " 16 ")).integer("block-size")).isEqualTo(16);
    assertThat(cli.parse(new String[] {"--block-size", "64"}, Map.of("KVROUTE_BLOCK_SIZE", "16"))
        .integer("block-size")).isEqualTo(64);
    assertThat(cli.parse(new String[] {"--block-size=8"}, Map.of()).integer("block-size")).isEqualTo(8);
    // A blank env var counts as unset.
    assertThat(cli.parse(new String[0], Map.of("KVROUTE_MODEL", "  ")).string("model"))
        .isEqualTo("Qwen/Qwen2.5-0.5B-Instruct");
    assertThat(cli.parse(new String[0], Map.of()).has("api-key-file")).isFalse();
  }

  @Test
  void shouldRepeatFlagsOrSplitTheEnvVarOnCommas() throws Exception {
    CliOptions cli = options();
    assertThat(cli.parse(new String[] {"--router-url", "http://a", "--router-url=http://b"}, Map.of())
        .list("router-url")).containsExactly("http://a", "http://b");
    assertThat(cli.parse(new String[0], Map.of("KVROUTE_ROUTER_URL", "http://a, http://b,,")).list("router-url"))
        .containsExactly("http://a", "http://b");
    assertThat(cli.parse(new String[] {"--router-url", "http://c"}, Map.of("KVROUTE_ROUTER_URL", "http://a"))
        .list("router-url")).containsExactly("http://c");
    // A non-repeatable option given twice: the last one wins.
    assertThat(cli.parse(new String[] {"--model", "a", "--model", "b"}, Map.of()).string("model")).isEqualTo("b");
  }

  @Test
  void shouldParseFlagsFromArgumentsAndEnvironment() throws Exception {
    CliOptions cli = options();
    assertThat(cli.parse(new String[] {"--cluster"}, Map.of()).bool("cluster")).isTrue();
    assertThat(cli.parse(new String[] {"--cluster=false"}, Map.of("KVROUTE_CLUSTER", "1")).bool("cluster")).isFalse();
    for (String yes : List.of("true", "1", "yes", "ON")) {
      assertThat(cli.parse(new String[0], Map.of("KVROUTE_CLUSTER", yes)).bool("cluster")).as(yes).isTrue();
    }
    assertThat(cli.parse(new String[0], Map.of()).bool("cluster")).isFalse();
    assertThat(cli.parse(new String[] {"--help"}, Map.of()).helpRequested()).isTrue();
    assertThatThrownBy(() -> cli.parse(new String[0], Map.of("KVROUTE_CLUSTER", "maybe")).bool("cluster"))
        .isInstanceOf(CliOptions.UsageException.class).hasMessage("--cluster must be true or false, got 'maybe'");
  }

  @Test
  void shouldRejectBadInputWithAUsageMessage() {
    CliOptions cli = options();
    assertThatThrownBy(() -> cli.parse(new String[] {"--no-such"}, Map.of()))
        .isInstanceOf(CliOptions.UsageException.class).hasMessage("unknown option --no-such");
    assertThatThrownBy(() -> cli.parse(new String[] {"block-size"}, Map.of()))
        .isInstanceOf(CliOptions.UsageException.class).hasMessage("unexpected argument 'block-size'");
    assertThatThrownBy(() -> cli.parse(new String[] {"--model"}, Map.of()))
        .isInstanceOf(CliOptions.UsageException.class).hasMessage("option --model needs a value");
    assertThatThrownBy(() -> cli.parse(new String[0], Map.of("KVROUTE_BLOCK_SIZE", "x32")).integer("block-size"))
        .isInstanceOf(CliOptions.UsageException.class).hasMessage("--block-size must be an integer, got 'x32'");
    assertThatThrownBy(() -> cli.parse(new String[] {"--speedup", "fast"}, Map.of()).decimal("speedup"))
        .isInstanceOf(CliOptions.UsageException.class).hasMessage("--speedup must be a number, got 'fast'");
    assertThatThrownBy(() -> CliOptions.create("x", "y").option("a", null, "").option("a", null, ""))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("duplicate option a");
  }

  @Test
  void shouldReadCountsThatDefaultToAuto() throws Exception {
    CliOptions cli = CliOptions.create("svc", "A test service.").option("threads", "auto", "threads; auto = cores");
    assertThat(cli.help()).contains("--threads").contains("default auto");
    assertThat(cli.parse(new String[0], Map.of()).countOrAuto("threads", 7)).isEqualTo(7);
    assertThat(cli.parse(new String[] {"--threads", "3"}, Map.of()).countOrAuto("threads", 7)).isEqualTo(3);
    assertThat(cli.parse(new String[0], Map.of("KVROUTE_THREADS", "auto")).countOrAuto("threads", 5)).isEqualTo(5);
    for (String bad : List.of("0", "-2", "many")) {
      assertThatThrownBy(() -> cli.parse(new String[] {"--threads", bad}, Map.of()).countOrAuto("threads", 7))
          .as(bad).isInstanceOf(CliOptions.UsageException.class).hasMessageContaining("--threads must be");
    }
  }
}

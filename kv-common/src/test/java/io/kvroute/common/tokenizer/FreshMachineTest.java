package io.kvroute.common.tokenizer;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The tokenizer on a fresh machine: a child JVM with an empty home and DJL cache dir (so the native library must
 * be extracted from the DJL jar) and, where the OS allows it ({@code unshare -n}), no network at all.
 */
class FreshMachineTest {

  /** Child process entry point: prints the token ids of a fixed prompt. */
  public static void main(String[] args) {
    System.out.println(Arrays.toString(ModelTokenizer.loadBundled().encode("Hello, my dog is cute")));
  }

  @Test
  @Timeout(value = 120, unit = TimeUnit.SECONDS)
  void shouldExtractNativeLibraryAndEncodeWithEmptyCacheAndNoNetwork(@TempDir Path tmp) throws Exception {
    Path home = Files.createDirectories(tmp.resolve("home"));
    Path cache = tmp.resolve("djl-cache");
    List<String> command = new ArrayList<>();
    if (canDropNetwork()) {
      command.addAll(List.of("unshare", "-n"));
    }
    command.addAll(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-cp", System.getProperty("java.class.path"),
        "-Duser.home=" + home, "-DDJL_CACHE_DIR=" + cache,
        FreshMachineTest.class.getName()));
    ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
    builder.environment().keySet().removeAll(List.of("DJL_CACHE_DIR", "ENGINE_CACHE_DIR", "DJL_OFFLINE",
        "OPT_OUT_TRACKING"));
    builder.environment().put("HOME", home.toString());
    Process process = builder.start();
    String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(process.waitFor(60, TimeUnit.SECONDS)).isTrue();
    assertThat(process.exitValue()).as(output).isZero();
    assertThat(output).contains("[9707, 11, 847, 5562, 374, 18838]");
    try (Stream<Path> files = Files.walk(cache)) {
      assertThat(files.map(p -> p.getFileName().toString())).contains(System.mapLibraryName("tokenizers"));
    }
  }

  private static boolean canDropNetwork() {
    try {
      Process probe = new ProcessBuilder("unshare", "-n", "true").redirectErrorStream(true).start();
      probe.getInputStream().readAllBytes();
      return probe.waitFor(10, TimeUnit.SECONDS) && probe.exitValue() == 0;
    } catch (IOException | InterruptedException e) {
      return false;
    }
  }
}

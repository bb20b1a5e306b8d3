package io.kvroute.gateway.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;

/**
 * CPU sets in Linux list form ({@code 0-2,5}) and the cores this process may run on (benchmark support; Linux only:
 * {@code /proc/self/status}, pinning is done with {@code taskset}).
 */
final class CpuAffinity {

  private CpuAffinity() {
  }

  /** The cores this process may run on, from {@code Cpus_allowed_list} in {@code /proc/self/status}. */
  static BitSet allowed() {
    try {
      for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
        if (line.startsWith("Cpus_allowed_list:")) {
          return parse(line.substring("Cpus_allowed_list:".length()).trim());
        }
      }
    } catch (IOException e) {
      throw new IllegalStateException("cannot read /proc/self/status (CPU pinning needs Linux): " + e.getMessage());
    }
    throw new IllegalStateException("no Cpus_allowed_list in /proc/self/status");
  }

  /** Parses a list such as {@code 0-2,5}; throws IllegalArgumentException with the bad part on malformed input. */
  static BitSet parse(String list) {
    BitSet set = new BitSet();
    for (String part : list.split(",")) {
      String p = part.trim();
      try {
        int dash = p.indexOf('-');
        int from = Integer.parseInt(dash < 0 ? p : p.substring(0, dash));
        int to = dash < 0 ? from : Integer.parseInt(p.substring(dash + 1));
        if (from < 0 || to < from) {
          throw new NumberFormatException();
        }
        set.set(from, to + 1);
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException("bad CPU list '" + list + "': '" + p + "' is not a core or a range a-b");
      }
    }
    return set;
  }

  /** The list form of {@code set}, ranges collapsed ({@code 0-2,5}). */
  static String format(BitSet set) {
    List<String> parts = new ArrayList<>();
    for (int from = set.nextSetBit(0); from >= 0; ) {
      int to = set.nextClearBit(from) - 1;
      parts.add(from == to ? Integer.toString(from) : from + "-" + to);
      from = set.nextSetBit(to + 1);
    }
    return String.join(",", parts);
  }
}

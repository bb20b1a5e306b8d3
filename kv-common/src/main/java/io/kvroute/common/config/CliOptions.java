package io.kvroute.common.config;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Declarative command-line options shared by every service. Each option {@code --some-name} also reads the
 * environment variable {@code KVROUTE_SOME_NAME}; a flag on the command line wins over the environment, which
 * wins over the default. Repeatable options take several flags, or one comma-separated environment value.
 */
public final class CliOptions {

  /** Thrown for unknown options, missing values and bad numbers; the message is meant for the user. */
  public static final class UsageException extends Exception {
    private static final long serialVersionUID = 1L;

    public UsageException(String message) {
      super(message, null, false, false);
    }
  }

  private record Option(String name, String defaultValue, String help, boolean flag, boolean repeatable) {
    String envName() {
      return envName(name);
    }

    static String envName(String name) {
      return "KVROUTE_" + name.toUpperCase(Locale.ROOT).replace('-', '_');
    }
  }

  private final String program;
  private final String description;
  private final Map<String, Option> options = new LinkedHashMap<>();

  private CliOptions(String program, String description) {
    this.program = program;
    this.description = description;
    flag("help", "print this help and exit");
  }

  public static CliOptions create(String program, String description) {
    return new CliOptions(program, description);
  }

  /** An option with a value; {@code defaultValue} may be null (absent unless given). */
  public CliOptions option(String name, String defaultValue, String help) {
    return add(new Option(name, defaultValue, help, false, false));
  }

  /** An option that may be given several times. */
  public CliOptions repeatable(String name, String help) {
    return add(new Option(name, null, help, false, true));
  }

  /** A boolean flag: {@code --name}, {@code --name=true|false}, or env {@code true|false|1|0}. */
  public CliOptions flag(String name, String help) {
    return add(new Option(name, "false", help, true, false));
  }

  private CliOptions add(Option option) {
    if (options.putIfAbsent(option.name(), option) != null) {
      throw new IllegalArgumentException("duplicate option " + option.name());
    }
    return this;
  }

  public Parsed parse(String[] args) throws UsageException {
    return parse(args, System.getenv());
  }

  public Parsed parse(String[] args, Map<String, String> env) throws UsageException {
    Map<String, List<String>> given = new HashMap<>();
    for (int i = 0; i < args.length; i++) {
      String arg = args[i];
      if (!arg.startsWith("--")) {
        throw new UsageException("unexpected argument '" + arg + "'");
      }
      String name = arg.substring(2);
      String value = null;
      int eq = name.indexOf('=');
      if (eq >= 0) {
        value = name.substring(eq + 1);
        name = name.substring(0, eq);
      }
      Option option = options.get(name);
      if (option == null) {
        throw new UsageException("unknown option --" + name);
      }
      if (value == null) {
        if (option.flag()) {
          value = "true";
        } else if (i + 1 < args.length) {
          value = args[++i];
        } else {
          throw new UsageException("option --" + name + " needs a value");
        }
      }
      List<String> values = given.computeIfAbsent(name, k -> new ArrayList<>());
      if (!option.repeatable()) {
        values.clear();
      }
      values.add(value);
    }
    Map<String, List<String>> resolved = new HashMap<>();
    for (Option option : options.values()) {
      List<String> values = given.get(option.name());
      if (values == null) {
        String fromEnv = env.get(option.envName());
        if (fromEnv != null && !fromEnv.isBlank()) {
          values = option.repeatable()
              ? Arrays.stream(fromEnv.split(",")).map(String::trim).filter(s -> !s.isEmpty()).toList()
              : List.of(fromEnv.trim());
        } else if (option.defaultValue() != null) {
          values = List.of(option.defaultValue());
        } else {
          values = List.of();
        }
      }
      resolved.put(option.name(), List.copyOf(values));
    }
    return new Parsed(resolved);
  }

  /** The help text: usage line, description and one line per option with its env var and default. */
  public String help() {
    StringBuilder sb = new StringBuilder();
    sb.append("Usage: ").append(program).append(" [options]\n\n").append(description).append("\n\nOptions:\n");
    for (Option o : options.values()) {
      String left = "  --" + o.name() + (o.flag() ? "" : " <value>") + (o.repeatable() ? " (repeatable)" : "");
      sb.append(left);
      sb.append(" ".repeat(Math.max(1, 44 - left.length())));
      sb.append(o.help());
      sb.append(" [env ").append(o.envName());
      if (!o.flag() && o.defaultValue() != null) {
        sb.append(", default ").append(o.defaultValue().isEmpty() ? "\"\"" : o.defaultValue());
      }
      sb.append("]\n");
    }
    return sb.toString();
  }

  /** Parsed values, typed on access. */
  public static final class Parsed {
    private final Map<String, List<String>> values;

    private Parsed(Map<String, List<String>> values) {
      this.values = values;
    }

    public boolean has(String name) {
      return !list(name).isEmpty();
    }

    public String string(String name) {
      List<String> v = list(name);
      return v.isEmpty() ? null : v.get(v.size() - 1);
    }

    public List<String> list(String name) {
      List<String> v = values.get(name);
      if (v == null) {
        throw new IllegalArgumentException("undeclared option " + name);
      }
      return Collections.unmodifiableList(v);
    }

    public int integer(String name) throws UsageException {
      String v = string(name);
      try {
        return Integer.parseInt(v);
      } catch (NumberFormatException e) {
        throw new UsageException("--" + name + " must be an integer, got '" + v + "'");
      }
    }

    /**
     * A positive count whose value may be {@code auto}: then {@code auto} is used. Counts sized from the host's cores
     * default to {@code auto}, so that --help and the documentation show one default on every machine.
     */
    public int countOrAuto(String name, int auto) throws UsageException {
      String v = string(name);
      int n;
      if ("auto".equals(v)) {
        n = auto;
      } else {
        n = integer(name);
      }
      if (n <= 0) {
        throw new UsageException("--" + name + " must be a positive integer or auto, got '" + v + "'");
      }
      return n;
    }

    public long longValue(String name) throws UsageException {
      String v = string(name);
      try {
        return Long.parseLong(v);
      } catch (NumberFormatException e) {
        throw new UsageException("--" + name + " must be an integer, got '" + v + "'");
      }
    }

    public double decimal(String name) throws UsageException {
      String v = string(name);
      try {
        return Double.parseDouble(v);
      } catch (NumberFormatException | NullPointerException e) {
        throw new UsageException("--" + name + " must be a number, got '" + v + "'");
      }
    }

    public boolean bool(String name) throws UsageException {
      String v = string(name);
      if (v == null) {
        return false;
      }
      return switch (v.toLowerCase(Locale.ROOT)) {
        case "true", "1", "yes", "on" -> true;
        case "false", "0", "no", "off", "" -> false;
        default -> throw new UsageException("--" + name + " must be true or false, got '" + v + "'");
      };
    }

    public boolean helpRequested() throws UsageException {
      return bool("help");
    }
  }
}

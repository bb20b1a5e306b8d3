package io.kvroute.perf.deploy;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;

/** A parsed compose file (anchors and merge keys resolved) with typed accessors for the consistency checks. */
final class ComposeModel {

  private final Path file;
  private final Map<String, Object> services;

  private ComposeModel(Path file, Map<String, Object> services) {
    this.file = file;
    this.services = services;
  }

  @SuppressWarnings("unchecked")
  static ComposeModel load(Path file) throws IOException {
    Map<String, Object> doc = (Map<String, Object>) yaml().load(Files.readString(file));
    return new ComposeModel(file, (Map<String, Object>) doc.get("services"));
  }

  @SuppressWarnings("unchecked")
  static Map<String, Object> loadMap(Path file) throws IOException {
    return (Map<String, Object>) yaml().load(Files.readString(file));
  }

  private static Yaml yaml() {
    return new Yaml(new SafeConstructor(new LoaderOptions()));
  }

  Path file() {
    return file;
  }

  Set<String> serviceNames() {
    return services.keySet();
  }

  @SuppressWarnings("unchecked")
  Map<String, Object> service(String name) {
    Object s = services.get(name);
    if (s == null) {
      throw new AssertionError("no service " + name + " in " + file);
    }
    return (Map<String, Object>) s;
  }

  @SuppressWarnings("unchecked")
  Map<String, Object> env(String service) {
    Object e = service(service).get("environment");
    return e == null ? Map.of() : (Map<String, Object>) e;
  }

  String envString(String service, String key) {
    Object v = env(service).get(key);
    if (v == null) {
      throw new AssertionError(service + " has no " + key);
    }
    return v.toString();
  }

  int envInt(String service, String key) {
    return Integer.parseInt(envString(service, key));
  }

  @SuppressWarnings("unchecked")
  List<String> profiles(String service) {
    Object p = service(service).get("profiles");
    return p == null ? List.of() : (List<String>) p;
  }

  /** Published host → container port pairs from {@code "H:C"} strings. */
  List<int[]> ports(String service) {
    List<int[]> out = new ArrayList<>();
    Object p = service(service).get("ports");
    if (p instanceof List<?> list) {
      for (Object o : list) {
        String[] parts = o.toString().split(":");
        out.add(new int[] {Integer.parseInt(parts[parts.length - 2]), Integer.parseInt(parts[parts.length - 1])});
      }
    }
    return out;
  }

  @SuppressWarnings("unchecked")
  List<String> command(String service) {
    Object c = service(service).get("command");
    return c == null ? List.of() : (List<String>) c;
  }

  @SuppressWarnings("unchecked")
  Map<String, Object> dependsOn(String service) {
    Object d = service(service).get("depends_on");
    return d == null ? Map.of() : (Map<String, Object>) d;
  }

  @SuppressWarnings("unchecked")
  List<String> gpuDeviceIds(String service) {
    Map<String, Object> deploy = (Map<String, Object>) service(service).get("deploy");
    if (deploy == null) {
      return List.of();
    }
    Map<String, Object> reservations = (Map<String, Object>) ((Map<String, Object>) deploy.get("resources"))
        .get("reservations");
    List<String> ids = new ArrayList<>();
    for (Object d : (List<Object>) reservations.get("devices")) {
      Map<String, Object> dev = (Map<String, Object>) d;
      if (((List<String>) dev.get("capabilities")).contains("gpu")) {
        for (Object id : (List<Object>) dev.get("device_ids")) {
          ids.add(id.toString());
        }
      }
    }
    return ids;
  }

  @SuppressWarnings("unchecked")
  List<String> volumes(String service) {
    Object v = service(service).get("volumes");
    return v == null ? List.of() : (List<String>) v;
  }

  static URI uri(String s) {
    return URI.create(s);
  }
}

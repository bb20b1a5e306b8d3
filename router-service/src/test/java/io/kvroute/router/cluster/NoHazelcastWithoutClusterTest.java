package io.kvroute.router.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.File;
import java.net.URL;
import java.net.URLClassLoader;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Without {@code --cluster} nothing of Hazelcast is loaded: a whole router life (start, register, drain, route,
 * release, metrics, stop) runs in a fresh class loader over the test class path, which then must not have loaded a
 * Hazelcast class nor the cluster implementation.
 */
@Timeout(60)
class NoHazelcastWithoutClusterTest {

  /** A child loader that defines every class itself (parent: platform classes only) and can say what it loaded. */
  static final class IsolatedLoader extends URLClassLoader {
    IsolatedLoader(URL[] urls) {
      super("isolated", urls, ClassLoader.getPlatformClassLoader());
    }

    boolean loaded(String name) {
      synchronized (getClassLoadingLock(name)) {
        return findLoadedClass(name) != null;
      }
    }
  }

  @Test
  void shouldNotLoadHazelcastWhenClusterIsOff() throws Exception {
    List<URL> urls = new ArrayList<>();
    for (String entry : System.getProperty("java.class.path").split(File.pathSeparator)) {
      urls.add(new File(entry).toURI().toURL());
    }
    try (IsolatedLoader loader = new IsolatedLoader(urls.toArray(URL[]::new))) {
      Thread t = Thread.currentThread();
      ClassLoader previous = t.getContextClassLoader();
      t.setContextClassLoader(loader);
      try {
        loader.loadClass(NoClusterRun.class.getName()).getMethod("run").invoke(null);
      } finally {
        t.setContextClassLoader(previous);
      }
      assertThat(loader.loaded("io.kvroute.router.RouterVerticle")).as("the run used the isolated loader").isTrue();
      assertThat(loader.loaded("com.hazelcast.core.Hazelcast")).isFalse();
      assertThat(loader.loaded("com.hazelcast.config.Config")).isFalse();
      assertThat(loader.loaded("com.hazelcast.core.HazelcastInstance")).isFalse();
      assertThat(loader.loaded("com.hazelcast.map.IMap")).isFalse();
      assertThat(loader.loaded(HazelcastReplicaCluster.class.getName())).isFalse();
      assertThat(loader.loaded(SharedWorkerRegistry.class.getName())).isFalse();
    }
  }
}

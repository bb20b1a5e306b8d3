package io.kvroute.gateway.route;

import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import java.net.URI;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A base URL ({@code http://host:port[/prefix]}) parsed once, so that per-request options need no URL parsing
 * ({@link RequestOptions#setAbsoluteURI(String)} parses with {@code java.net.URL} on every call). Gives the same
 * host, port, TLS flag and request URI as {@code setAbsoluteURI(base + path)}.
 */
public record HttpTarget(String host, int port, boolean ssl, String basePath) {

  private static final int CACHE_LIMIT = 4096;
  private static final Map<String, HttpTarget> CACHE = new ConcurrentHashMap<>();

  /** The parsed form of {@code baseUrl}, or null when it is not a plain http(s) URL (callers then fall back). */
  public static HttpTarget parse(String baseUrl) {
    URI u;
    try {
      u = new URI(baseUrl);
    } catch (java.net.URISyntaxException e) {
      return null;
    }
    String scheme = u.getScheme();
    boolean ssl;
    if ("http".equals(scheme)) {
      ssl = false;
    } else if ("https".equals(scheme)) {
      ssl = true;
    } else {
      return null;
    }
    if (u.getHost() == null || u.getRawQuery() != null || u.getRawFragment() != null || u.getRawUserInfo() != null) {
      return null;
    }
    int port = u.getPort() >= 0 ? u.getPort() : ssl ? 443 : 80;
    String path = u.getRawPath() == null ? "" : u.getRawPath();
    return new HttpTarget(u.getHost(), port, ssl, path);
  }

  /** {@link #parse}, remembered (bounded: worker URLs come from the routers' answers). */
  public static HttpTarget cached(String baseUrl) {
    HttpTarget t = CACHE.get(baseUrl);
    if (t == null) {
      t = parse(baseUrl);
      if (t != null) {
        if (CACHE.size() >= CACHE_LIMIT) {
          CACHE.clear();
        }
        CACHE.put(baseUrl, t);
      }
    }
    return t;
  }

  /** Options for {@code method basePath+path} on this target. */
  public RequestOptions options(HttpMethod method, String path) {
    return new RequestOptions().setMethod(method).setHost(host).setPort(port).setSsl(ssl).setURI(basePath + path);
  }

  /** {@code options(method, path)} for {@code baseUrl}, falling back to {@code setAbsoluteURI} for unusual URLs. */
  public static RequestOptions options(String baseUrl, HttpMethod method, String path) {
    HttpTarget t = cached(baseUrl);
    return t == null ? new RequestOptions().setMethod(method).setAbsoluteURI(baseUrl + path) : t.options(method, path);
  }
}

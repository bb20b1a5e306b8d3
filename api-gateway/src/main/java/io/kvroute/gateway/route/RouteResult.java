package io.kvroute.gateway.route;

/**
 * Where one attempt of a request goes.
 *
 * @param requestId     id booked at the router for this attempt (released exactly once)
 * @param workerId      chosen worker
 * @param dpRank        attention data-parallel rank on that worker
 * @param url           the worker agent's base URL
 * @param overlapBlocks prefix blocks the router expects to be cached there
 * @param cachedTokens  overlapBlocks × block size
 * @param routerUrl     router that booked the load (first_token / release go there); null when chosen by the
 *                      fallback policy, which books nothing
 */
public record RouteResult(
    String requestId,
    String workerId,
    int dpRank,
    String url,
    int overlapBlocks,
    int cachedTokens,
    String routerUrl) {

  /** True when no router booked this attempt (fallback policy). */
  public boolean fallback() {
    return routerUrl == null;
  }
}

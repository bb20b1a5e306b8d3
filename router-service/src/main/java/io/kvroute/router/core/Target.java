package io.kvroute.router.core;

/** A scheduling target: one data-parallel rank of one worker. */
public record Target(String workerId, int dpRank) {

  @Override
  public String toString() {
    return dpRank == 0 ? workerId : workerId + "#" + dpRank;
  }
}

package io.kvroute.router.service;

import io.kvroute.router.core.Target;

/**
 * Hooks around the load bookkeeping of this router: every booking, prefill completion and release it makes.
 * A replicated deployment publishes these deltas so other replicas can mirror them with
 * {@link io.kvroute.router.core.RouterCore#book}, {@code prefillDone} and {@code release}. Called on the HTTP
 * thread that made the change; implementations must not block.
 */
public interface LoadDeltaListener {

  /** A request was booked on {@code target}; {@code localHashes} are its full-block hashes (do not modify). */
  void onBooked(String requestId, Target target, long[] localHashes, int numTokens, int overlapBlocks);

  void onPrefillDone(String requestId);

  void onReleased(String requestId);
}

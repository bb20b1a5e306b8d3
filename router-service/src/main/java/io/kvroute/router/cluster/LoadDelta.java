package io.kvroute.router.cluster;

/**
 * One change of this replica's load bookkeeping, as published to the other replicas (reference notes §5b
 * {@code ActiveSequenceEvent}). {@code BOOKED} carries the target and the request's full-block local hashes (the
 * receiver derives the sequence hashes); the other kinds carry only the request id.
 *
 * @param kind          what happened
 * @param requestId     the gateway's request id (shared by every replica)
 * @param workerId      target worker ({@code BOOKED} only, else null)
 * @param dpRank        target data-parallel rank ({@code BOOKED} only)
 * @param numTokens     prompt length in tokens ({@code BOOKED} only)
 * @param overlapBlocks cached prefix blocks on the target at decision time ({@code BOOKED} only)
 * @param localHashes   full-block local hashes ({@code BOOKED} only, else empty; never modified)
 */
public record LoadDelta(Kind kind, String requestId, String workerId, int dpRank, int numTokens, int overlapBlocks,
    long[] localHashes) {

  private static final long[] NONE = new long[0];

  /** Delta kinds; the ordinal is the wire code. */
  public enum Kind {
    BOOKED, PREFILL_DONE, RELEASED;

    public String wireName() {
      return name().toLowerCase(java.util.Locale.ROOT);
    }
  }

  public static LoadDelta booked(String requestId, String workerId, int dpRank, int numTokens, int overlapBlocks,
      long[] localHashes) {
    return new LoadDelta(Kind.BOOKED, requestId, workerId, dpRank, numTokens, overlapBlocks, localHashes);
  }

  public static LoadDelta prefillDone(String requestId) {
    return new LoadDelta(Kind.PREFILL_DONE, requestId, null, 0, 0, 0, NONE);
  }

  public static LoadDelta released(String requestId) {
    return new LoadDelta(Kind.RELEASED, requestId, null, 0, 0, 0, NONE);
  }
}

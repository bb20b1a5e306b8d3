package io.kvroute.common.codec;

/**
 * The msgpack batch envelope shared by the agent format and vLLM's {@code KVEventBatch}:
 * {@code [ts f64, [event...], dp_rank int|nil?, ignored...]}.
 */
final class BatchEnvelope {

  private BatchEnvelope() {
  }

  /** Reads the envelope's array header; returns its element count (at least ts and events). */
  static int readHead(MsgpackReader r) throws DecodeException {
    int fields = r.readArrayHeader("batch");
    if (fields < 2) {
      throw new DecodeException("batch must have at least 2 elements, got " + fields);
    }
    return fields;
  }

  /**
   * Reads what follows the events: the optional dp rank (null when absent or nil), skips any later elements and
   * checks nothing trails the batch.
   */
  static Integer readTail(MsgpackReader r, int fields, String dpRankName) throws DecodeException {
    Integer dpRank = null;
    if (fields >= 3 && !r.tryNil()) {
      dpRank = r.readInt(dpRankName);
    }
    for (int i = 3; i < fields; i++) {
      r.skip();
    }
    if (!r.atEnd()) {
      throw new DecodeException(r.remaining() + " trailing bytes after batch");
    }
    return dpRank;
  }
}

package io.kvroute.router.ingest;

/** Counters the ingest path reports (implemented by the metrics layer); called on the ingest thread. */
public interface IngestListener {

  /** A batch went to the index. */
  void batchApplied(String workerId, int events);

  /** A message or event was refused; {@code reason} is a short snake_case label. */
  void dropped(String workerId, String reason, int count);

  /** A seq gap of {@code missing} batches was detected. */
  void seqGap(String workerId, long missing);

  /** A snapshot was loaded ({@code outcome} ok) or failed (unreachable, error). */
  void snapshot(String workerId, String outcome);

  /** A replay request ended with {@code outcome} (ok, gone, failed, incomplete). */
  void replay(String workerId, String outcome);

  IngestListener NONE = new IngestListener() {
    @Override
    public void batchApplied(String workerId, int events) {
    }

    @Override
    public void dropped(String workerId, String reason, int count) {
    }

    @Override
    public void seqGap(String workerId, long missing) {
    }

    @Override
    public void snapshot(String workerId, String outcome) {
    }

    @Override
    public void replay(String workerId, String outcome) {
    }
  };
}

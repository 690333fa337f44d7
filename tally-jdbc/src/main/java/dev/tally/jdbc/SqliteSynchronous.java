package dev.tally.jdbc;

/**
 * SQLite's {@code PRAGMA synchronous} for the store's connections. The store uses WAL journaling,
 * in which both settings keep the database consistent; they differ in what a power cut or OS crash
 * can take back.
 */
public enum SqliteSynchronous {
  /**
   * The WAL is synced at every commit: a batch the store acknowledged survives a power cut. The
   * default, because the pipeline forgets a batch once the store acknowledges it, and batching
   * makes the extra sync cheap (one per batch, not per event).
   */
  FULL,
  /**
   * The WAL is synced only at checkpoints: faster, survives an application crash, but a power cut
   * or OS crash may lose the last acknowledged batches.
   */
  NORMAL
}

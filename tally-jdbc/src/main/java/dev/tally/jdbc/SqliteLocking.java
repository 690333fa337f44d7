package dev.tally.jdbc;

/**
 * Who may open the store's SQLite file while the store has it open.
 *
 * <p>Why this matters: in SQLite's ordinary (shared) WAL mode every connection maps the WAL index,
 * the {@code -shm} file, into memory. When the disk under it fails or refuses writes (a full disk,
 * an immutable or read-only file), touching a mapped page is not an error SQLite can return but a
 * {@code SIGBUS} signal, which kills the JVM. Keeping the WAL index in the process's heap instead
 * turns every such fault into an ordinary I/O error that the pipeline retries and spools.
 */
public enum SqliteLocking {
  /**
   * The default: the store's process holds an exclusive lock on the file for as long as it has a
   * connection open (SQLite's {@code unix-excl} VFS). The WAL index lives in heap memory, shared by
   * the connections of this process, so no {@code -shm} file is created or mapped; readers and the
   * writer of this process still run at the same time as in any WAL database. Other processes (the
   * {@code sqlite3} shell, a second application instance) get "database is locked" until the store
   * closes. On Windows, which has no such VFS and no mapped WAL-index fault of this kind, this
   * behaves like {@link #SHARED}.
   */
  EXCLUSIVE,
  /**
   * SQLite's ordinary WAL locking: several processes may open the file at once (a second writer,
   * the {@code sqlite3} shell reading while the server runs). The WAL index is a memory-mapped
   * {@code -shm} file, so an I/O fault on the disk under it (disk full, immutable or read-only
   * files) can kill the process with {@code SIGBUS} instead of failing an export.
   */
  SHARED
}

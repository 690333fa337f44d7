package dev.tally.jdbc.internal;

import java.io.File;
import java.util.Locale;

/**
 * Rewrites a SQLite JDBC URL so that the file is opened with SQLite's {@code unix-excl} VFS: the
 * process takes an exclusive lock on the file and keeps the WAL index in heap memory, shared by its
 * own connections, instead of a memory-mapped {@code -shm} file whose I/O faults are signals.
 */
public final class SqliteUrls {
  /** SQLite's VFS that holds the file exclusively and keeps the WAL index in the heap. */
  public static final String EXCLUSIVE_VFS = "unix-excl";

  private static final String PREFIX = "jdbc:sqlite:";

  private SqliteUrls() {}

  /**
   * The URL with {@code vfs=unix-excl}, as an SQLite URI filename ({@code file:...}). Unchanged for
   * in-memory databases, for a URL that names a VFS already, and on Windows (no such VFS).
   */
  public static String exclusive(String url) {
    if (!url.startsWith(PREFIX) || File.separatorChar == '\\') {
      return url;
    }
    String rest = url.substring(PREFIX.length());
    int q = rest.indexOf('?');
    String path = q < 0 ? rest : rest.substring(0, q);
    String query = q < 0 ? "" : rest.substring(q + 1);
    if (path.isEmpty() || path.startsWith(":memory:") || query.contains("mode=memory")) {
      return url;
    }
    if (("&" + query).toLowerCase(Locale.ROOT).contains("&vfs=")) {
      return url;
    }
    String file = path.startsWith("file:") ? path : "file:" + encode(path);
    return PREFIX + file + "?vfs=" + EXCLUSIVE_VFS + (query.isEmpty() ? "" : "&" + query);
  }

  /** SQLite URI filenames decode %HH; '?' and '#' would end the path. */
  private static String encode(String path) {
    StringBuilder sb = new StringBuilder(path.length() + 8);
    for (int i = 0; i < path.length(); i++) {
      char ch = path.charAt(i);
      switch (ch) {
        case '%' -> sb.append("%25");
        case '?' -> sb.append("%3F");
        case '#' -> sb.append("%23");
        default -> sb.append(ch);
      }
    }
    return sb.toString();
  }
}

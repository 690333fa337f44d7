package dev.tally.core.pipeline;

/**
 * What an event whose {@code track()} returned survives: the pipeline's durability setting ({@code
 * tally.pipeline.durability}).
 */
public enum Durability {
  /**
   * No journal: events wait in an in-memory queue (spilled to the spool when it is full). Fastest;
   * events still queued are lost if the process is killed.
   */
  MEMORY,
  /**
   * Every event is appended to a memory-mapped, append-only journal before {@code track()} returns,
   * with no fsync: it is in the operating system's page cache, so it survives {@code kill -9} and
   * any crash of the JVM, but not a crash of the machine.
   */
  PROCESS,
  /**
   * As {@link #PROCESS}, plus a background thread forces the journal to disk every fsync interval
   * (group fsync): survives a power loss, except for the events of the last interval.
   */
  MACHINE
}

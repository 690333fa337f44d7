/**
 * Benchmarks of the JDBC store: sustained ingest to SQLite and PostgreSQL, the same ingest done by
 * bare JDBC with no Tally code (the floor the store is measured against), and a 30-day per-user
 * daily report answered from rollups beside the same report scanned from raw events. Commands and
 * figures are in {@code docs/PERFORMANCE-STORE.md}.
 */
@NullMarked
package dev.tally.benchmarks.jdbc;

import org.jspecify.annotations.NullMarked;

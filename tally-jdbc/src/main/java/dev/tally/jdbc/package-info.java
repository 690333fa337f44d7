/**
 * The usage ledger on JDBC: {@link dev.tally.jdbc.JdbcUsageStore} stores events (it is a {@link
 * dev.tally.core.sink.UsageSink}) on SQLite, the embedded default, or PostgreSQL, keeps hourly
 * rollups in the same transaction, and answers the core query model, {@link
 * dev.tally.core.query.UsageQueries}.
 */
@NullMarked
package dev.tally.jdbc;

import org.jspecify.annotations.NullMarked;

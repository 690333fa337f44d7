package dev.tally.core.query;

import java.time.Instant;
import java.util.Map;

/**
 * One row of a report: a time bucket and a group with its measures.
 *
 * @param start inclusive start of the bucket (the query's {@code from} for the first bucket)
 * @param end exclusive end of the bucket (the query's {@code to} for the last bucket)
 * @param group the value of each group-by field, in the query's order; a {@code MODEL} value is the
 *     empty string for events without a model
 * @param measures what happened in the bucket for the group
 */
public record UsageRow(
    Instant start, Instant end, Map<GroupField, String> group, UsageMeasures measures) {}

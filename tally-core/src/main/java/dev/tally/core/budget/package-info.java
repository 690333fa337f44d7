/**
 * Budgets: limits on cost or tokens per subject and window, thresholds that fire alerts once per
 * window, signed webhooks, and the check that refuses a request over a blocking budget. Windows are
 * computed from the clock (never reset by a job that could be missed).
 */
@NullMarked
package dev.tally.core.budget;

import org.jspecify.annotations.NullMarked;

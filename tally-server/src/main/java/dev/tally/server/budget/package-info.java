/** Budgets over HTTP: definitions, status, alert history, and the 429 before the business call. */
@NullMarked
package dev.tally.server.budget;

import org.jspecify.annotations.NullMarked;

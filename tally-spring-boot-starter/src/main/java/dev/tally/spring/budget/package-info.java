/** Tally's Spring Boot integration: budgets, alerts and their wiring to the ledger. */
@NullMarked
package dev.tally.spring.budget;

import org.jspecify.annotations.NullMarked;

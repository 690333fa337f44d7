/** Tally's Spring Boot integration: metrics. */
@NullMarked
package dev.tally.spring.metrics;

import org.jspecify.annotations.NullMarked;

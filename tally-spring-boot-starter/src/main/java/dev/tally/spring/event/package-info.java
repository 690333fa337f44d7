/** Tally's Spring Boot integration: event. */
@NullMarked
package dev.tally.spring.event;

import org.jspecify.annotations.NullMarked;

/** Tally's Spring Boot integration: actuate. */
@NullMarked
package dev.tally.spring.actuate;

import org.jspecify.annotations.NullMarked;

/** Tally's Spring Boot integration: autoconfigure. */
@NullMarked
package dev.tally.spring.autoconfigure;

import org.jspecify.annotations.NullMarked;

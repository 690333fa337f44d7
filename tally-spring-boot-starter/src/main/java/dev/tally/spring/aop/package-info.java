/** Tally's Spring Boot integration: aop. */
@NullMarked
package dev.tally.spring.aop;

import org.jspecify.annotations.NullMarked;

/** Tally's Spring Boot integration: web. */
@NullMarked
package dev.tally.spring.web;

import org.jspecify.annotations.NullMarked;

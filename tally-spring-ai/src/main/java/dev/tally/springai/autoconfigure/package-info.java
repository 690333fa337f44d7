/** Spring Boot auto-configuration of Tally's Spring AI integration. */
@NullMarked
package dev.tally.springai.autoconfigure;

import org.jspecify.annotations.NullMarked;

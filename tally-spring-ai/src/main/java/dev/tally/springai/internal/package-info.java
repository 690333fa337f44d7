/** Implementation of the Spring AI integration. Not public API: may change in any release. */
@NullMarked
package dev.tally.springai.internal;

import org.jspecify.annotations.NullMarked;

/** End-to-end tests of the reference server over real HTTP. */
@NullMarked
package dev.tally.server;

import org.jspecify.annotations.NullMarked;

/** Tests of the price catalog file. */
@NullMarked
package dev.tally.server.pricing;

import org.jspecify.annotations.NullMarked;

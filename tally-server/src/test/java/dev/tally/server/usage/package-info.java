/** Tests of the usage API's pieces. */
@NullMarked
package dev.tally.server.usage;

import org.jspecify.annotations.NullMarked;

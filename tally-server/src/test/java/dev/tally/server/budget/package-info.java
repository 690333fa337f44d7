/** Tests of the server's budget glue. */
@NullMarked
package dev.tally.server.budget;

import org.jspecify.annotations.NullMarked;

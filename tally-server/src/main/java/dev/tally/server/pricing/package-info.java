/** Loading the dated price catalog shipped with the server or named by a path. */
@NullMarked
package dev.tally.server.pricing;

import org.jspecify.annotations.NullMarked;

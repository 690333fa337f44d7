/** The usage API: reports, raw events and CSV export read from the Tally ledger. */
@NullMarked
package dev.tally.server.usage;

import org.jspecify.annotations.NullMarked;

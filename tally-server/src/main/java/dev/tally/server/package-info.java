/** The reference chat-assistant server. */
@NullMarked
package dev.tally.server;

import org.jspecify.annotations.NullMarked;

/** The chat use case: the chat and summary operations and the bounded conversation history. */
@NullMarked
package dev.tally.server.chat;

import org.jspecify.annotations.NullMarked;

/**
 * Automatic usage tracking of Spring AI chat calls: every {@code ChatModel} round (call or stream,
 * direct or through a {@code ChatClient}, one event per tool-calling round) with the caller's
 * subject, the model, every token category and the outcome.
 */
@NullMarked
package dev.tally.springai;

import org.jspecify.annotations.NullMarked;

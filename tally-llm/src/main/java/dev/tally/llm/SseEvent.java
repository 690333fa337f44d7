package dev.tally.llm;

import org.jspecify.annotations.Nullable;

/**
 * One Server-Sent Event.
 *
 * @param event the {@code event:} field, or null when absent (the type is then {@code message})
 * @param data the {@code data:} lines joined by {@code \n}
 * @param id the {@code id:} field, or null
 */
public record SseEvent(@Nullable String event, String data, @Nullable String id) {}

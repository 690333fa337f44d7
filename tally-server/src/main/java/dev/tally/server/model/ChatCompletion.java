package dev.tally.server.model;

import dev.tally.core.event.TokenUsage;

/**
 * A model's answer.
 *
 * @param text the reply
 * @param model the model that answered, as the provider names it
 * @param usage token usage with its source (reported by the provider or estimated locally)
 */
public record ChatCompletion(String text, String model, TokenUsage usage) {}

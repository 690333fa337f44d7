/**
 * The chat-model port and its implementations: the local echo model and OpenAI-compatible
 * providers.
 */
@NullMarked
package dev.tally.server.model;

import org.jspecify.annotations.NullMarked;

/**
 * Streamed LLM usage without Spring: {@link dev.tally.llm.SseParser} reads Server-Sent Events;
 * {@link dev.tally.llm.OpenAiChatStreamAdapter}, {@link dev.tally.llm.OpenAiResponsesStreamAdapter}
 * and {@link dev.tally.llm.AnthropicStreamAdapter} turn a provider's stream into usage updates on a
 * {@link dev.tally.core.UsageStream}; {@link dev.tally.llm.JtokkitTokenEstimator} counts tokens
 * locally when the provider reports none. See {@code docs/STREAMING.md}.
 */
@NullMarked
package dev.tally.llm;

import org.jspecify.annotations.NullMarked;

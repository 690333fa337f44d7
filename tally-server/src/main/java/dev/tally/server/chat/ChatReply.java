package dev.tally.server.chat;

import dev.tally.core.event.TokenUsage;
import java.time.Instant;

/**
 * What the chat use case returns; {@code @TrackUsage} reads {@code model} and {@code usage} from
 * it.
 *
 * @param response the model's reply
 * @param sessionId the session the exchange was added to
 * @param model the model that answered
 * @param usage token usage with its source
 * @param startedAt when the call started, which picks the price
 */
public record ChatReply(
    String response, String sessionId, String model, TokenUsage usage, Instant startedAt) {}

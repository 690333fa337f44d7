/**
 * The OpenAI-compatible gateway under {@code /v1}: any OpenAI SDK client, pointed at {@code
 * http://host:port/v1} with a Tally API key, is authenticated, budgeted, rate-limited and metered
 * per key; requests and answers pass through to the configured upstreams with unknown fields kept.
 */
@NullMarked
package dev.tally.server.gateway;

import org.jspecify.annotations.NullMarked;

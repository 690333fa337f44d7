package dev.tally.server.gateway;

import org.jspecify.annotations.Nullable;

/**
 * An upstream's API key, read from the environment. It leaves this object only as the value of the
 * header that carries it to its upstream ({@code Authorization}, or Anthropic's {@code x-api-key}):
 * {@link #toString()} hides it, and {@link #scrub} removes it from any upstream text (an error
 * message echoing it) before that text is logged, recorded or answered.
 */
final class UpstreamKey {
  static final UpstreamKey NONE = new UpstreamKey(null);

  private final @Nullable String value;

  private UpstreamKey(@Nullable String value) {
    this.value = value;
  }

  static UpstreamKey of(@Nullable String value) {
    return value == null || value.isBlank() ? NONE : new UpstreamKey(value.trim());
  }

  boolean isPresent() {
    return value != null;
  }

  /** The header value; only for the request to the upstream. */
  @Nullable String bearer() {
    return value == null ? null : "Bearer " + value;
  }

  /** The key itself, for a header other than a bearer token; only for the request upstream. */
  @Nullable String secret() {
    return value;
  }

  /** The text with every occurrence of the key replaced. */
  String scrub(String text) {
    return value == null || text.indexOf(value) < 0 ? text : text.replace(value, "[upstream key]");
  }

  @Override
  public String toString() {
    return value == null ? "UpstreamKey[none]" : "UpstreamKey[***]";
  }
}

package dev.tally.server.web;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.util.unit.DataSize;

/**
 * Limits of every HTTP request, under {@code tally.server.http.*}.
 *
 * @param maxBodySize the largest request body the server reads, counted on the stream as the bytes
 *     arrive, so a body sent without {@code Content-Length} (chunked) is held to it as well as one
 *     that declares its length; a larger body is answered 413 after at most this many bytes (plus
 *     Tomcat's {@code server.tomcat.max-swallow-size}, which it drains before closing). It must
 *     leave room for a message of {@code tally.server.chat.max-message-size}.
 */
@ConfigurationProperties("tally.server.http")
public record HttpSettings(@DefaultValue(HttpSettings.DEFAULT_MAX_BODY_SIZE) DataSize maxBodySize) {
  /** 256 KB: a 32 KB message even if every character were written as a 6-byte JSON escape. */
  public static final String DEFAULT_MAX_BODY_SIZE = "256KB";

  public HttpSettings {
    if (maxBodySize.toBytes() < 1) {
      throw new IllegalArgumentException(
          "tally.server.http.max-body-size must be > 0, was " + maxBodySize);
    }
  }
}

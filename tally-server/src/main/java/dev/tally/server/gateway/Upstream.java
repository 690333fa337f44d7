package dev.tally.server.gateway;

import java.io.Closeable;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;
import tools.jackson.databind.node.ObjectNode;

/**
 * Where the gateway sends a request: an OpenAI-compatible API over HTTP, Anthropic's Messages API
 * (translated), or the local echo model. An implementation answers plain calls and streams in
 * OpenAI's wire format and never logs its key.
 */
abstract class Upstream {
  private final String name;
  private final List<String> models;
  private final Map<String, String> aliases;
  private final @Nullable String fallback;

  Upstream(
      String name, List<String> models, Map<String, String> aliases, @Nullable String fallback) {
    this.name = name;
    this.models = List.copyOf(models);
    this.aliases = Map.copyOf(aliases);
    this.fallback = fallback;
  }

  String name() {
    return name;
  }

  /** The model names it serves; a name ending {@code *} is a prefix. */
  List<String> models() {
    return models;
  }

  /** Names clients may use, each mapped to one of its models. */
  Map<String, String> aliases() {
    return aliases;
  }

  @Nullable String fallback() {
    return fallback;
  }

  /**
   * The provider recorded on events: {@code openai-compatible}, {@code anthropic} or {@code local}.
   */
  abstract String provider();

  /** Removes this upstream's secret from upstream text. */
  String scrub(String text) {
    return text;
  }

  /**
   * Refuses, before anything is admitted or recorded, a request this upstream can never answer (for
   * example one it cannot translate). Takes every request by default.
   *
   * @throws GatewayException a 4xx in OpenAI's shape
   */
  void accepts(String path, ObjectNode request) {}

  /**
   * A plain call: POST of {@code request} to {@code path} ({@code /chat/completions}, {@code
   * /embeddings}). Any HTTP status is an answer.
   *
   * @throws UpstreamFailure when it cannot be reached or does not answer in time
   */
  abstract Answer call(String path, ObjectNode request);

  /**
   * A streamed chat completion. The caller closes it.
   *
   * @throws UpstreamFailure when it cannot be reached or does not answer in time
   */
  abstract Stream stream(ObjectNode request);

  /** An answer: its status and body, as the upstream sent them. */
  record Answer(int status, byte[] body) {}

  /** A streamed answer, read line by line (SSE lines without terminators). */
  interface Stream extends Closeable {
    int status();

    /** The next line, or null at the end. */
    @Nullable String nextLine() throws java.io.IOException;

    /**
     * Whether the next line is already here, so reading it will not wait on the upstream; false
     * when that cannot be known. The relay flushes the client only when nothing is waiting.
     */
    default boolean ready() throws java.io.IOException {
      return false;
    }

    /** For a non-2xx status: the start of the body. */
    String errorBody() throws java.io.IOException;

    /**
     * Ends the exchange at once (the client left): the upstream's connection is closed rather than
     * read to the end. By default the same as {@link #close}.
     */
    default void cancel() {
      close();
    }

    /** Done with it: what is left of the answer is read so that its connection can be reused. */
    @Override
    void close();
  }

  @Override
  public String toString() {
    return "Upstream[" + name + "]";
  }
}

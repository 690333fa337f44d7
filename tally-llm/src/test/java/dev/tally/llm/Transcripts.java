package dev.tally.llm;

import dev.tally.core.UsageStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.List;

/** Hand-written SSE transcripts in the documented shapes of each provider, under test resources. */
final class Transcripts {
  private Transcripts() {}

  static String read(String name) {
    try (InputStream in = Transcripts.class.getResourceAsStream(name)) {
      if (in == null) {
        throw new IllegalArgumentException("no transcript " + name);
      }
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The lines of a transcript, as {@code HttpResponse.BodyHandlers.ofLines()} gives them. */
  static List<String> lines(String name) {
    return read(name).lines().toList();
  }

  /** Feeds every line; returns the visible text the adapter gave back. */
  static String play(ProviderStreamAdapter adapter, List<String> lines) {
    StringBuilder text = new StringBuilder();
    for (String line : lines) {
      String t = adapter.line(line);
      if (t != null) {
        text.append(t);
      }
    }
    String t = adapter.end();
    if (t != null) {
      text.append(t);
    }
    return text.toString();
  }

  /** Ends the stream as a caller would once the provider's stream is over. */
  static void finish(ProviderStreamAdapter adapter, UsageStream stream) {
    if (adapter.error() != null) {
      stream.fail(adapter.error());
    } else {
      stream.complete();
    }
  }
}

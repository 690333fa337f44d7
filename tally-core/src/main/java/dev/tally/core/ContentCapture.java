package dev.tally.core;

import dev.tally.core.event.ContentSummary;
import java.util.List;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/**
 * The policy that decides what of a message and its response is kept. The default, {@link
 * #lengthsOnly()}, keeps lengths and never text. {@link #full(List)} keeps text after replacing
 * every match of the redaction patterns with {@code [REDACTED]}.
 */
public final class ContentCapture {
  private static final ContentCapture NONE = new ContentCapture(CaptureMode.NONE, List.of());
  private static final ContentCapture LENGTHS = new ContentCapture(CaptureMode.LENGTHS, List.of());

  private final CaptureMode mode;
  private final List<Pattern> redactions;

  private ContentCapture(CaptureMode mode, List<Pattern> redactions) {
    this.mode = mode;
    this.redactions = List.copyOf(redactions);
  }

  /** Keep nothing about content. */
  public static ContentCapture none() {
    return NONE;
  }

  /** Keep lengths only: the default. */
  public static ContentCapture lengthsOnly() {
    return LENGTHS;
  }

  /** Keep text, redacting every match of the given patterns. */
  public static ContentCapture full(List<Pattern> redactions) {
    return new ContentCapture(CaptureMode.FULL, redactions);
  }

  /** A policy for a mode; redactions apply only to {@link CaptureMode#FULL}. */
  public static ContentCapture of(CaptureMode mode, List<Pattern> redactions) {
    return switch (mode) {
      case NONE -> NONE;
      case LENGTHS -> LENGTHS;
      case FULL -> full(redactions);
    };
  }

  public CaptureMode mode() {
    return mode;
  }

  /** Returns the summary this policy allows to be kept; the same instance when nothing changes. */
  public ContentSummary apply(ContentSummary content) {
    switch (mode) {
      case NONE:
        return ContentSummary.none();
      case LENGTHS:
        return content.hasText()
            ? ContentSummary.lengths(content.inputLength(), content.outputLength())
            : content;
      default:
        if (redactions.isEmpty() || !content.hasText()) {
          return content;
        }
        return new ContentSummary(
            content.inputLength(),
            content.outputLength(),
            redact(content.inputText()),
            redact(content.outputText()));
    }
  }

  private @Nullable String redact(@Nullable String text) {
    if (text == null) {
      return null;
    }
    String result = text;
    for (Pattern pattern : redactions) {
      result = pattern.matcher(result).replaceAll("[REDACTED]");
    }
    return result;
  }
}

package dev.tally.core.event;

import dev.tally.core.CaptureMode;
import dev.tally.core.ContentCapture;
import dev.tally.core.UsageTracker;
import org.jspecify.annotations.Nullable;

/**
 * What is known of the content of an operation: the lengths of the input and output text, in
 * characters (-1 when unknown), and the text itself only when capture is {@link CaptureMode#FULL}.
 * A {@link UsageTracker} applies its {@link ContentCapture} policy before an event is handed over,
 * so text never reaches a sink unless capture was switched on.
 */
public record ContentSummary(
    int inputLength, int outputLength, @Nullable String inputText, @Nullable String outputText) {

  private static final ContentSummary NONE = new ContentSummary(-1, -1, null, null);

  public ContentSummary {
    if (inputLength < -1) {
      throw new UsageValidationException("content.inputLength", inputLength, "must be >= -1");
    }
    if (outputLength < -1) {
      throw new UsageValidationException("content.outputLength", outputLength, "must be >= -1");
    }
  }

  /** Nothing known about the content. */
  public static ContentSummary none() {
    return NONE;
  }

  /** Lengths only. */
  public static ContentSummary lengths(int inputLength, int outputLength) {
    return new ContentSummary(inputLength, outputLength, null, null);
  }

  /**
   * The texts with their lengths. Whether the text is kept is decided by the tracker's capture
   * policy, not by the caller.
   */
  public static ContentSummary of(@Nullable String input, @Nullable String output) {
    return new ContentSummary(
        input == null ? -1 : input.length(), output == null ? -1 : output.length(), input, output);
  }

  /** Whether this summary carries any text. */
  public boolean hasText() {
    return inputText != null || outputText != null;
  }
}

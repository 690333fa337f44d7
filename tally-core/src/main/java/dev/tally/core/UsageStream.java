package dev.tally.core;

import dev.tally.core.event.ErrorInfo;
import dev.tally.core.event.Outcome;
import dev.tally.core.event.StreamDetails;
import dev.tally.core.event.TokenUsage;
import dev.tally.core.event.UsageSource;
import org.jspecify.annotations.Nullable;

/**
 * A streamed operation, from {@link UsageTracker#startStream}: an answer that arrives in chunks,
 * for example a chat over SSE. The code that relays the stream feeds it what was delivered and the
 * provider's usage when it arrives, then ends it once: {@link #complete()}, {@link #fail} or {@link
 * #cancel()}. The stream records exactly <b>one</b> event, whichever end comes first and from
 * whichever thread; later ends return false and change nothing.
 *
 * <pre>{@code
 * UsageStream stream = tracker.startStream("chat", context).prompt(promptText);
 * try {
 *   for (Chunk c : upstream) {
 *     stream.delivered(c.text());          // cheap: counts, and keeps text for the estimate
 *     if (c.usage() != null) stream.usage(c.usage());   // the provider's final usage
 *     client.send(c.text());
 *   }
 *   stream.complete();
 * } catch (ClientGoneException e) {
 *   stream.cancel();                       // CANCELLED, with the tokens used so far
 * } catch (RuntimeException e) {
 *   stream.fail(e);                        // ERROR, with the partial tokens
 * }
 * }</pre>
 *
 * <p><b>Tokens and their source</b>, decided when the stream ends:
 *
 * <ul>
 *   <li>{@link UsageSource#REPORTED}: the provider's final usage arrived ({@link #usage}); it is
 *       recorded as given. A later call replaces an earlier one (Anthropic's {@code message_delta}
 *       usage is cumulative, so the last one is the total).
 *   <li>{@link UsageSource#ESTIMATED} otherwise: the prompt (counted by the tracker's {@link
 *       TokenEstimator}, or the provider's input counts from {@link #partialUsage}) plus the output
 *       delivered so far. Never 0 when text was delivered.
 *   <li>{@link UsageSource#MISSING} only when nothing at all can be counted.
 * </ul>
 *
 * <p>The event carries {@link StreamDetails} (completed, time to first token, chunks, token basis)
 * as attributes. Delivered text is held in memory until the stream ends, for the estimate, up to
 * {@link UsageTracker.Builder#DEFAULT_STREAM_TEXT_LIMIT} characters (beyond it the estimate is
 * scaled by length); it reaches a sink only when the tracker's content capture is {@link
 * CaptureMode#FULL}.
 *
 * <p>Every method is thread-safe, cheap (no I/O, no tokenizing until the end) and never throws for
 * runtime trouble: an invalid value is logged and counted. Feeding a stream that has ended does
 * nothing. {@link #close()} ends a stream that nobody ended as a failure of type {@value
 * #ABANDONED}, so a forgotten stream is never lost silently.
 */
public interface UsageStream extends AutoCloseable {

  /** The error type of a stream closed without being completed, failed or cancelled. */
  String ABANDONED = "tally.stream.abandoned";

  /** The prompt text, counted by the estimator at the end if the provider reports no usage. */
  UsageStream prompt(CharSequence prompt);

  /**
   * Prompt tokens counted by the caller (for example with the chat format's per-message framing);
   * used instead of counting {@link #prompt} text when no provider usage arrives.
   */
  UsageStream promptTokens(long tokens);

  /** An operation id for idempotence: an event with an id the store has is stored once. */
  UsageStream id(String operationId);

  /** The model, when it becomes known from the stream (providers name the exact version). */
  UsageStream model(@Nullable String model);

  UsageStream attribute(String key, String value);

  /** Text delivered to the client. The first non-empty chunk stamps the time to first token. */
  UsageStream delivered(CharSequence text);

  /**
   * Output tokens delivered, for a stream that yields tokens rather than text (or alongside it, if
   * the caller counts). Added to the estimate of the delivered text.
   */
  UsageStream deliveredTokens(long tokens);

  /**
   * The provider's final usage; replaces any earlier one. Makes the event {@link
   * UsageSource#REPORTED} (unless it says 0 tokens while text was delivered: a provider that
   * reports nothing for a delivered answer is not believed, and the usage is estimated). Usage with
   * source {@link UsageSource#MISSING} is ignored.
   */
  UsageStream usage(TokenUsage usage);

  /**
   * Provider usage before its final count, for example Anthropic's {@code message_start}: its input
   * and cache counts are kept if no final usage arrives, and its output count is a floor for the
   * estimate. Replaces any earlier partial usage.
   */
  UsageStream partialUsage(TokenUsage usage);

  /**
   * Ends the stream as a success.
   *
   * @return true if this call ended the stream and recorded its event
   */
  boolean complete();

  /** Ends the stream as a failure, with the tokens used so far. */
  boolean fail(Throwable error);

  /** Ends the stream as a failure described without an exception, such as a provider error. */
  boolean fail(ErrorInfo error);

  /** Ends the stream as {@link Outcome#CANCELLED}: the client left. */
  boolean cancel();

  /**
   * The tokens the stream would record if it ended now, by the same rules (for a final SSE event
   * with the usage, or a budget check while the stream runs). Runs the estimator over everything
   * delivered so far when no final usage has arrived, so call it at intervals, not per chunk. After
   * the end: the recorded tokens. Never throws.
   */
  TokenUsage tokens();

  /** Whether an end was called. */
  boolean isEnded();

  /** Ends the stream as a failure of type {@value #ABANDONED} unless it has ended. */
  @Override
  void close();
}

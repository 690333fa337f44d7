package dev.tally.test;

import dev.tally.core.event.ContentSummary;
import dev.tally.core.event.Cost;
import dev.tally.core.event.ErrorInfo;
import dev.tally.core.event.Outcome;
import dev.tally.core.event.TokenUsage;
import dev.tally.core.event.UsageEvent;
import dev.tally.core.event.UsageSource;
import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import java.util.function.Function;
import org.assertj.core.api.AbstractAssert;
import org.jspecify.annotations.Nullable;

/**
 * Assertions on one {@link UsageEvent}; get one from {@link
 * TallyAssertions#assertThat(UsageEvent)}. Each method checks one thing and returns this assert for
 * chaining. A failure names the event id, the field, the expected value and the value found.
 */
public final class UsageEventAssert extends AbstractAssert<UsageEventAssert, UsageEvent> {

  UsageEventAssert(@Nullable UsageEvent actual) {
    super(actual, UsageEventAssert.class);
  }

  /** The event has this id. */
  public UsageEventAssert hasId(String expected) {
    return hasField("id", expected, UsageEvent::id);
  }

  /** The event is of this operation, e.g. {@code "chat"}. */
  public UsageEventAssert hasOperation(String expected) {
    return hasField("operation", expected, UsageEvent::operation);
  }

  /** The event's subject (user id) is this. */
  public UsageEventAssert hasSubject(String expected) {
    return hasField("subject", expected, UsageEvent::subject);
  }

  /** The event's subject is {@link UsageEvent#ANONYMOUS}. */
  public UsageEventAssert isAnonymous() {
    return hasField("subject", UsageEvent.ANONYMOUS, UsageEvent::subject);
  }

  /** The event occurred at this instant, exactly. */
  public UsageEventAssert hasOccurredAt(Instant expected) {
    return hasField("occurredAt", expected, UsageEvent::occurredAt);
  }

  /** The event's user's email is this; {@code null} checks it is absent. */
  public UsageEventAssert hasUserEmail(@Nullable String expected) {
    return hasField("userEmail", expected, UsageEvent::userEmail);
  }

  /** The event's session id is this; {@code null} checks it is absent. */
  public UsageEventAssert hasSessionId(@Nullable String expected) {
    return hasField("sessionId", expected, UsageEvent::sessionId);
  }

  /** The event's tenant is this; {@code null} checks it is absent. */
  public UsageEventAssert hasTenant(@Nullable String expected) {
    return hasField("tenant", expected, UsageEvent::tenant);
  }

  /** The event's model is this; {@code null} checks it is absent. */
  public UsageEventAssert hasModel(@Nullable String expected) {
    return hasField("model", expected, UsageEvent::model);
  }

  /** The event's provider is this; {@code null} checks it is absent. */
  public UsageEventAssert hasProvider(@Nullable String expected) {
    return hasField("provider", expected, UsageEvent::provider);
  }

  /** The event's trace id is this; {@code null} checks it is absent. */
  public UsageEventAssert hasTraceId(@Nullable String expected) {
    return hasField("traceId", expected, UsageEvent::traceId);
  }

  /** The outcome is {@link Outcome#SUCCESS}. */
  public UsageEventAssert succeeded() {
    isNotNull();
    if (actual.outcome() != Outcome.SUCCESS) {
      failWithMessage(
          "%nExpecting usage event %s to have succeeded but it %s:%n  %s",
          actual.id(),
          actual.outcome() == Outcome.ERROR ? "failed with" : "was cancelled",
          describe(actual.error()));
    }
    return myself;
  }

  /** The outcome is {@link Outcome#CANCELLED}: the caller left before the operation ended. */
  public UsageEventAssert wasCancelled() {
    isNotNull();
    if (actual.outcome() != Outcome.CANCELLED) {
      failWithMessage(
          "%nExpecting usage event %s to have been cancelled but its outcome was %s",
          actual.id(), actual.outcome());
    }
    return myself;
  }

  /** The outcome is {@link Outcome#ERROR}, whatever the error. */
  public UsageEventAssert failed() {
    isNotNull();
    if (actual.outcome() != Outcome.ERROR) {
      failWithMessage(
          "%nExpecting usage event %s to have failed but it %s",
          actual.id(), actual.outcome() == Outcome.SUCCESS ? "succeeded" : "was cancelled");
    }
    return myself;
  }

  /**
   * The outcome is {@link Outcome#ERROR} and the recorded error type is {@code type} or a subtype
   * of it, like {@code isInstanceOf}. The event only keeps the error's class name; when that class
   * cannot be loaded, the name must equal {@code type}'s name.
   */
  public UsageEventAssert failedWith(Class<? extends Throwable> type) {
    failed();
    String found = errorOf(actual).type();
    if (!isSameOrSubtype(found, type)) {
      failWithActualExpectedAndMessage(
          found,
          type.getName(),
          "%nExpecting usage event %s to have failed with:%n  %s%nbut it failed with:%n  %s",
          actual.id(),
          type.getName(),
          describe(actual.error()));
    }
    return myself;
  }

  /** The outcome is {@link Outcome#ERROR} and the recorded message equals {@code expected}. */
  public UsageEventAssert hasErrorMessage(String expected) {
    failed();
    return hasField("error message", expected, e -> errorOf(e).message());
  }

  /** The outcome is {@link Outcome#ERROR} and the recorded message contains {@code expected}. */
  public UsageEventAssert hasErrorMessageContaining(String expected) {
    failed();
    String message = errorOf(actual).message();
    if (message == null || !message.contains(expected)) {
      failWithMessage(
          "%nExpecting usage event %s to have an error message containing:%n  %s%nbut found:%n  %s",
          actual.id(), quote(expected), quote(message));
    }
    return myself;
  }

  /** The token usage equals {@code expected}: every category and the source. */
  public UsageEventAssert hasTokens(TokenUsage expected) {
    return hasField("tokens", expected, UsageEvent::tokens);
  }

  /** Non-cached input tokens. */
  public UsageEventAssert hasInputTokens(long expected) {
    return hasField("tokens.input", expected, e -> e.tokens().input());
  }

  /** Input tokens read from a cache. */
  public UsageEventAssert hasCachedInputTokens(long expected) {
    return hasField("tokens.cachedInput", expected, e -> e.tokens().cachedInput());
  }

  /** Input tokens written to a cache. */
  public UsageEventAssert hasCacheWriteTokens(long expected) {
    return hasField("tokens.cacheWrite", expected, e -> e.tokens().cacheWrite());
  }

  /** Visible output tokens. */
  public UsageEventAssert hasOutputTokens(long expected) {
    return hasField("tokens.output", expected, e -> e.tokens().output());
  }

  /** Hidden reasoning tokens. */
  public UsageEventAssert hasReasoningTokens(long expected) {
    return hasField("tokens.reasoning", expected, e -> e.tokens().reasoning());
  }

  /** The sum of all token categories. */
  public UsageEventAssert hasTotalTokens(long expected) {
    return hasField("tokens.total", expected, e -> e.tokens().total());
  }

  /** Where the token counts came from. */
  public UsageEventAssert hasUsageSource(UsageSource expected) {
    return hasField("tokens.source", expected, e -> e.tokens().source());
  }

  /** The token usage is {@link UsageSource#MISSING}: not known, rather than zero. */
  public UsageEventAssert hasMissingUsage() {
    return hasUsageSource(UsageSource.MISSING);
  }

  /** The duration equals {@code expected} exactly; use a test {@link java.time.Clock} for this. */
  public UsageEventAssert hasDuration(Duration expected) {
    return hasField("duration", expected, UsageEvent::duration);
  }

  /** The typed cost equals {@code expected}, amount and scale included. */
  public UsageEventAssert hasCost(Cost expected) {
    return hasField("cost", expected, UsageEvent::cost);
  }

  /** The event is unpriced: its cost is unknown ({@link Cost#unpriced()}), never zero. */
  public UsageEventAssert isUnpriced() {
    return hasCost(Cost.unpriced());
  }

  /** The attribute {@code key} is present with {@code value}. */
  public UsageEventAssert hasAttribute(String key, String value) {
    isNotNull();
    String found = actual.attributes().get(key);
    if (!value.equals(found)) {
      failWithActualExpectedAndMessage(
          found,
          value,
          "%nExpecting usage event %s to have attribute %s with value:%n  %s%nbut found:%n  %s"
              + "%n(all attributes: %s)",
          actual.id(),
          quote(key),
          quote(value),
          found == null ? "no such attribute" : quote(found),
          actual.attributes());
    }
    return myself;
  }

  /** The attribute {@code key} is absent. */
  public UsageEventAssert doesNotHaveAttribute(String key) {
    isNotNull();
    if (actual.attributes().containsKey(key)) {
      failWithMessage(
          "%nExpecting usage event %s not to have attribute %s but found it with value %s",
          actual.id(), quote(key), quote(actual.attributes().get(key)));
    }
    return myself;
  }

  /** The content lengths, in characters (-1 for unknown). */
  public UsageEventAssert hasContentLengths(int inputLength, int outputLength) {
    hasField("content.inputLength", inputLength, e -> e.content().inputLength());
    return hasField("content.outputLength", outputLength, e -> e.content().outputLength());
  }

  /** No message or response text was kept, only lengths at most: the privacy default. */
  public UsageEventAssert hasNoCapturedText() {
    isNotNull();
    ContentSummary content = actual.content();
    if (content.hasText()) {
      failWithMessage(
          "%nExpecting usage event %s to carry no captured text but found:%n"
              + "  input:  %s%n  output: %s",
          actual.id(), quote(content.inputText()), quote(content.outputText()));
    }
    return myself;
  }

  /** The captured input and output text, after redaction; null for text that was not kept. */
  public UsageEventAssert hasCapturedText(@Nullable String input, @Nullable String output) {
    hasField("content.inputText", input, e -> e.content().inputText());
    return hasField("content.outputText", output, e -> e.content().outputText());
  }

  private <T> UsageEventAssert hasField(
      String field, @Nullable T expected, Function<UsageEvent, @Nullable T> read) {
    isNotNull();
    Object found = read.apply(actual);
    if (!Objects.equals(expected, found)) {
      failWithActualExpectedAndMessage(
          found,
          expected,
          "%nExpecting usage event %s to have %s:%n  %s%nbut found:%n  %s",
          actual.id(),
          field,
          quote(expected),
          quote(found));
    }
    return myself;
  }

  private static ErrorInfo errorOf(UsageEvent event) {
    // The record turns an ERROR outcome without details into type "unknown", so this is never null.
    return Objects.requireNonNull(event.error(), "error");
  }

  private static boolean isSameOrSubtype(String typeName, Class<? extends Throwable> expected) {
    if (typeName.equals(expected.getName())) {
      return true;
    }
    // The recorded type may be an application class the expected type's loader cannot see.
    for (ClassLoader loader :
        new ClassLoader[] {
          Thread.currentThread().getContextClassLoader(),
          expected.getClassLoader(),
          UsageEventAssert.class.getClassLoader()
        }) {
      try {
        return expected.isAssignableFrom(Class.forName(typeName, false, loader));
      } catch (ClassNotFoundException | LinkageError e) {
        // try the next loader
      }
    }
    return false;
  }

  static String describe(@Nullable ErrorInfo error) {
    if (error == null) {
      return "no error";
    }
    return error.message() == null ? error.type() : error.type() + ": " + error.message();
  }

  static String quote(@Nullable Object value) {
    if (value == null) {
      return "null";
    }
    return value instanceof String ? "\"" + value + "\"" : value.toString();
  }
}

package dev.tally.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tally.core.event.ContentSummary;
import dev.tally.core.event.Cost;
import dev.tally.core.event.ErrorInfo;
import dev.tally.core.event.Outcome;
import dev.tally.core.event.TokenUsage;
import dev.tally.core.event.UsageContext;
import dev.tally.core.event.UsageEvent;
import dev.tally.core.event.UsageSource;
import dev.tally.core.event.UsageValidationException;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.function.Supplier;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class UsageEventValidationTest {
  private static final MutableClock CLOCK = new MutableClock(Instant.parse("2026-11-27T12:00:00Z"));

  private static UsageEvent.Builder valid() {
    return UsageEvent.builder("chat", CLOCK).subject("alice");
  }

  static Stream<Arguments> rules() {
    Map<String, String> tooMany = new HashMap<>();
    for (int i = 0; i <= UsageEvent.MAX_ATTRIBUTES; i++) {
      tooMany.put("k" + i, "v");
    }
    return Stream.of(
        rule("tokens.input", "tokens.input must be >= 0, was -3", () -> TokenUsage.reported(-3, 1)),
        rule(
            "tokens.output",
            "tokens.output must be >= 0, was -1",
            () -> TokenUsage.reported(1, -1)),
        rule(
            "tokens.cachedInput",
            "tokens.cachedInput must be >= 0, was -2",
            () -> TokenUsage.builder(UsageSource.REPORTED).cachedInput(-2).build()),
        rule(
            "tokens.cacheWrite",
            "tokens.cacheWrite must be >= 0, was -4",
            () -> TokenUsage.builder(UsageSource.REPORTED).cacheWrite(-4).build()),
        rule(
            "tokens.reasoning",
            "tokens.reasoning must be >= 0, was -5",
            () -> TokenUsage.builder(UsageSource.REPORTED).reasoning(-5).build()),
        rule(
            "tokens.source",
            "tokens.source must be REPORTED or ESTIMATED when counts are given (total 7), was MISSING",
            () -> TokenUsage.builder(UsageSource.MISSING).output(7).build()),
        rule(
            "tokens.cachedInput",
            "tokens.cachedInput must be <= prompt tokens 10, was 11",
            () -> TokenUsage.fromInclusive(10, 11, 5, 0, UsageSource.REPORTED)),
        rule(
            "operation",
            "operation must not be blank, was \"  \"",
            () -> valid().operation("  ").build()),
        rule(
            "operation",
            "operation must not be blank, was null",
            () -> valid().operation(null).build()),
        rule(
            "operation",
            "operation must be at most 128 characters",
            () -> valid().operation("x".repeat(129)).build()),
        rule("id", "id must not be blank, was \"\"", () -> valid().id("").build()),
        rule("id", "id must be at most 128 characters", () -> valid().id("i".repeat(200)).build()),
        rule(
            "subject",
            "subject must be at most 256 characters",
            () -> valid().subject("s".repeat(257)).build()),
        rule(
            "sessionId",
            "sessionId must not be blank, was \"\"",
            () -> valid().sessionId("").build()),
        rule(
            "duration",
            "duration must be >= 0, was PT-1S",
            () -> valid().duration(Duration.ofSeconds(-1)).build()),
        rule(
            "attributes",
            "attributes must have at most 32 entries, was \"33 entries\"",
            () -> valid().attributes(tooMany).build()),
        rule(
            "attributes key",
            "attributes key must be at most 64 characters",
            () -> valid().attribute("k".repeat(65), "v").build()),
        rule(
            "attributes[route]",
            "attributes[route] must be at most 256 characters",
            () -> valid().attribute("route", "v".repeat(257)).build()),
        rule(
            "occurredAt",
            "occurredAt must not be more than PT5M after now (2026-11-27T12:00:00Z), was"
                + " 2026-11-27T12:06:00Z",
            () -> valid().occurredAt(Instant.parse("2026-11-27T12:06:00Z")).build()),
        rule(
            "content.inputLength",
            "content.inputLength must be >= -1, was -2",
            () -> ContentSummary.lengths(-2, 0)));
  }

  private static Arguments rule(String field, String message, Supplier<?> build) {
    return Arguments.of(field, message, build);
  }

  @ParameterizedTest(name = "{0}: {1}")
  @MethodSource("rules")
  void eachRuleRejectsWithATypedExceptionNamingTheFieldAndValue(
      String field, String message, Supplier<?> build) {
    assertThatThrownBy(build::get)
        .isInstanceOf(UsageValidationException.class)
        .hasMessageStartingWith(message)
        .satisfies(e -> assertThat(((UsageValidationException) e).field()).isEqualTo(field));
  }

  @Test
  void timestampWithinTheAllowedSkewIsAccepted() {
    UsageEvent event = valid().occurredAt(Instant.parse("2026-11-27T12:04:59Z")).build();
    assertThat(event.occurredAt()).isEqualTo(Instant.parse("2026-11-27T12:04:59Z"));
  }

  @Test
  void defaultsAreAnonymousMissingUsageSuccessAndAUuidV7Id() {
    UsageEvent event = UsageEvent.builder("chat", CLOCK).build();

    assertThat(event.subject()).isEqualTo(UsageEvent.ANONYMOUS);
    assertThat(event.tokens()).isEqualTo(TokenUsage.missing());
    assertThat(event.outcome()).isEqualTo(Outcome.SUCCESS);
    assertThat(event.occurredAt()).isEqualTo(CLOCK.instant());
    java.util.UUID id = java.util.UUID.fromString(event.id());
    assertThat(id.version()).isEqualTo(7);
    assertThat(id.getMostSignificantBits() >>> 16).isEqualTo(CLOCK.instant().toEpochMilli());
  }

  @Test
  void callerSuppliedOperationIdIsKept() {
    assertThat(valid().id("req-42").build().id()).isEqualTo("req-42");
  }

  @Test
  void errorMessagesAreTruncated() {
    UsageEvent event = valid().failure(new IllegalStateException("e".repeat(10_000))).build();

    assertThat(event.outcome()).isEqualTo(Outcome.ERROR);
    assertThat(event.error().type()).isEqualTo("java.lang.IllegalStateException");
    assertThat(event.error().message()).hasSize(ErrorInfo.MAX_MESSAGE_LENGTH).endsWith("\u2026");
  }

  @Test
  void asyncWrappersAreDescribedByTheirCause() {
    Exception cause = new java.io.IOException("provider down");

    assertThat(
            ErrorInfo.of(
                new java.util.concurrent.CompletionException(
                    new java.util.concurrent.ExecutionException(cause))))
        .isEqualTo(new ErrorInfo("java.io.IOException", "provider down"));
    assertThat(ErrorInfo.of(new java.util.concurrent.CompletionException("no cause", null)))
        .isEqualTo(new ErrorInfo("java.util.concurrent.CompletionException", "no cause"));
  }

  @Test
  void successWithAnErrorIsRejected() {
    assertThatThrownBy(
            () ->
                new UsageEvent(
                    "id",
                    CLOCK.instant(),
                    "chat",
                    UsageContext.of("alice"),
                    TokenUsage.missing(),
                    Cost.unpriced(),
                    Duration.ZERO,
                    Outcome.SUCCESS,
                    new ErrorInfo("X", "boom"),
                    null,
                    ContentSummary.none()))
        .isInstanceOf(UsageValidationException.class)
        .hasMessageStartingWith("error must be null when outcome is SUCCESS");
  }

  @Test
  void attributesAreCopiedSoLaterChangesDoNotLeakIn() {
    Map<String, String> attributes = new HashMap<>(Map.of("a", "1"));
    UsageEvent event = valid().attributes(attributes).build();
    attributes.put("b", "2");
    assertThat(event.attributes()).containsExactly(Map.entry("a", "1"));
  }

  @Test
  void inclusiveProviderCountsMapToDisjointCategoriesThatAddUp() {
    TokenUsage usage = TokenUsage.fromInclusive(1_000, 800, 300, 120, UsageSource.REPORTED);

    assertThat(usage.input()).isEqualTo(200);
    assertThat(usage.cachedInput()).isEqualTo(800);
    assertThat(usage.output()).isEqualTo(180);
    assertThat(usage.reasoning()).isEqualTo(120);
    assertThat(usage.total()).isEqualTo(1_300);
    assertThat(usage.totalInput()).isEqualTo(1_000);
  }

  @Test
  void missingUsageIsNotKnown() {
    assertThat(TokenUsage.missing().isKnown()).isFalse();
    assertThat(TokenUsage.estimated(1, 2).isKnown()).isTrue();
  }
}

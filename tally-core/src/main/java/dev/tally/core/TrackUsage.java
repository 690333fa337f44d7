package dev.tally.core;

import dev.tally.core.event.TokenUsage;
import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Tracks every call of the annotated method as one usage event (the decorator style). The
 * annotation carries no behaviour; {@code tally-spring-boot-starter} supplies the aspect.
 *
 * <p>Expressions are SpEL evaluated against the method arguments by name ({@code #user.id}) or
 * position ({@code #p0}); {@link #model()} and {@link #tokens()} may also read the return value as
 * {@code #result}. An expression that fails is logged once and counted, and never breaks the call:
 * the business result or exception always reaches the caller unchanged.
 *
 * <pre>{@code
 * @TrackUsage(value = "chat", subject = "#user.id", session = "#request.sessionId",
 *             model = "#result.model", tokens = "#result.usage")
 * public ChatReply chat(User user, ChatRequest request) { ... }
 * }</pre>
 *
 * <p>Works for synchronous methods and for methods returning {@code CompletionStage} (tracked when
 * it completes; a null stage is tracked as a success with unknown usage) and Reactor {@code Mono}
 * (tracked on completion, error or cancellation). A method returning a stream — a Reactor {@code
 * Flux}, Spring MVC's {@code SseEmitter} or {@code ResponseBodyEmitter} — is tracked as one
 * streamed operation ({@link UsageStream}): each element or sent item that is text (or that {@link
 * #delivered()} turns into text) is delivered output; {@link #tokens()} and {@link #model()} are
 * read from each element ({@code #result}); a stream the client leaves is {@link
 * Outcome#CANCELLED}; without reported usage the tokens are estimated from {@link #prompt()} and
 * the delivered text. Spring proxies cannot see calls from a bean to itself: an annotated method
 * called through {@code this} is not tracked.
 */
@Documented
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.METHOD)
public @interface TrackUsage {

  /** The operation name, for example {@code "chat"}. */
  String value();

  /** Who: SpEL for the subject (user id). Empty means anonymous. */
  String subject() default "";

  /** SpEL for the user's email. */
  String userEmail() default "";

  /** SpEL for the session id. */
  String session() default "";

  /** SpEL for the tenant. */
  String tenant() default "";

  /** SpEL for the model; may read {@code #result}. */
  String model() default "";

  /** A fixed provider name, for example {@code "openai"}. */
  String provider() default "";

  /** SpEL returning a {@link TokenUsage}; may read {@code #result}. Empty means unknown usage. */
  String tokens() default "";

  /** SpEL for a caller-supplied operation id, to make retries idempotent. */
  String operationId() default "";

  /**
   * Streams only: SpEL for the prompt text, read from the arguments before the call. Counted by the
   * tracker's {@link TokenEstimator} when the stream ends without reported usage (leaving the
   * prompt out would under-bill). Empty: no prompt is counted.
   */
  String prompt() default "";

  /**
   * Streams only: SpEL for the text each element ({@code #result}) delivers, for example {@code
   * "#result.text"}. Empty: an element that is a {@code CharSequence} is its own text, others
   * deliver none.
   */
  String delivered() default "";
}

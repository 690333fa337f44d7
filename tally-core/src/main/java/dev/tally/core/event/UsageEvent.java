package dev.tally.core.event;

import dev.tally.core.internal.UuidV7;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * One tracked operation: who did it, what it was, how many tokens of each kind it used, how long it
 * took and whether it failed. Immutable; build one with {@link #builder(String)}.
 *
 * <p>The {@code id} makes the event idempotent: a store keeps the first event with an id and
 * ignores the rest, so retries and replays never count twice. It is a UUIDv7 by default, or an
 * operation id the caller supplies.
 *
 * @param id unique id, at most {@link #MAX_ID_LENGTH} characters
 * @param occurredAt when the operation started
 * @param operation what it was, for example {@code "chat"}
 * @param context who and where: the subject (a user id, or {@link #ANONYMOUS}), user email,
 *     session, tenant, model, provider and extra attributes; each has its accessor on the event too
 *     ({@link #subject()}, {@link #model()}, ...)
 * @param tokens token usage by category, with its source
 * @param cost what it cost, or {@link Cost#unpriced()}: unknown, never zero
 * @param duration how long it took, never negative
 * @param outcome success, error or cancelled
 * @param error the error type and message when the outcome is {@link Outcome#ERROR}; optionally the
 *     reason when it is {@link Outcome#CANCELLED}
 * @param traceId the trace id of the request, when tracing is on
 * @param content lengths (and, only when capture is enabled, text) of input and output
 */
public record UsageEvent(
    String id,
    Instant occurredAt,
    String operation,
    UsageContext context,
    TokenUsage tokens,
    Cost cost,
    Duration duration,
    Outcome outcome,
    @Nullable ErrorInfo error,
    @Nullable String traceId,
    ContentSummary content) {

  /** The subject of an operation nobody signed in for. */
  public static final String ANONYMOUS = "anonymous";

  public static final int MAX_ID_LENGTH = 128;
  public static final int MAX_OPERATION_LENGTH = 128;
  public static final int MAX_SUBJECT_LENGTH = 256;
  public static final int MAX_FIELD_LENGTH = 256;
  public static final int MAX_ATTRIBUTES = 32;
  public static final int MAX_ATTRIBUTE_KEY_LENGTH = 64;
  public static final int MAX_ATTRIBUTE_VALUE_LENGTH = 256;

  /** How far in the future {@code occurredAt} may be before the builder rejects it. */
  public static final Duration MAX_CLOCK_SKEW = Duration.ofMinutes(5);

  public UsageEvent {
    requireText("id", id, MAX_ID_LENGTH);
    if (occurredAt == null) {
      throw new UsageValidationException("occurredAt", null, "must not be null");
    }
    requireText("operation", operation, MAX_OPERATION_LENGTH);
    if (context == null) {
      throw new UsageValidationException("context", null, "must not be null");
    }
    requireText("subject", context.subject(), MAX_SUBJECT_LENGTH);
    optionalText("userEmail", context.userEmail());
    optionalText("sessionId", context.sessionId());
    optionalText("tenant", context.tenant());
    optionalText("model", context.model());
    optionalText("provider", context.provider());
    validAttributes(context.attributes());
    optionalText("traceId", traceId);
    if (tokens == null) {
      throw new UsageValidationException("tokens", null, "must not be null");
    }
    if (cost == null) {
      throw new UsageValidationException("cost", null, "must not be null; use Cost.unpriced()");
    }
    if (duration == null || duration.isNegative()) {
      throw new UsageValidationException("duration", duration, "must be >= 0");
    }
    if (outcome == null) {
      throw new UsageValidationException("outcome", null, "must not be null");
    }
    if (outcome == Outcome.SUCCESS && error != null) {
      throw new UsageValidationException("error", error, "must be null when outcome is SUCCESS");
    }
    if (outcome == Outcome.ERROR && error == null) {
      error = new ErrorInfo("unknown", null);
    }
    if (content == null) {
      throw new UsageValidationException("content", null, "must not be null");
    }
  }

  /** A builder for an event of the given operation, stamped by the system UTC clock. */
  public static Builder builder(String operation) {
    return new Builder(operation, Clock.systemUTC());
  }

  /** A builder whose default timestamp, id and future-skew check use the given clock. */
  public static Builder builder(String operation, Clock clock) {
    return new Builder(operation, clock);
  }

  /** A builder holding every value of this event. */
  public Builder toBuilder() {
    Builder b = new Builder(operation, Clock.systemUTC());
    b.id = id;
    b.occurredAt = occurredAt;
    b.context(context);
    b.tokens = tokens;
    b.cost = cost;
    b.duration = duration;
    b.outcome = outcome;
    b.error = error;
    b.traceId = traceId;
    b.content = content;
    b.skipFutureCheck = true;
    return b;
  }

  /** This event with other content; used to apply a capture policy. */
  public UsageEvent withContent(ContentSummary newContent) {
    return new UsageEvent(
        id,
        occurredAt,
        operation,
        context,
        tokens,
        cost,
        duration,
        outcome,
        error,
        traceId,
        newContent);
  }

  /**
   * This event with another cost; used by pricing. The id stays, so a store that already holds the
   * event keeps its first version.
   */
  public UsageEvent withCost(Cost newCost) {
    return new UsageEvent(
        id,
        occurredAt,
        operation,
        context,
        tokens,
        newCost,
        duration,
        outcome,
        error,
        traceId,
        content);
  }

  /** Who did it: a user id, or {@link #ANONYMOUS}; from {@link #context()}. */
  public String subject() {
    return context.subject();
  }

  /** The user's email, when known; from {@link #context()}. */
  public @Nullable String userEmail() {
    return context.userEmail();
  }

  /** The conversation or session the operation belongs to; from {@link #context()}. */
  public @Nullable String sessionId() {
    return context.sessionId();
  }

  /** The customer or organisation, for multi-tenant services; from {@link #context()}. */
  public @Nullable String tenant() {
    return context.tenant();
  }

  /** The model used, for example {@code gpt-4o-mini}; from {@link #context()}. */
  public @Nullable String model() {
    return context.model();
  }

  /** Who served the model, for example {@code openai}; from {@link #context()}. */
  public @Nullable String provider() {
    return context.provider();
  }

  /** Extra string attributes, bounded in count and length; from {@link #context()}. */
  public Map<String, String> attributes() {
    return context.attributes();
  }

  /** Whether the outcome is {@link Outcome#SUCCESS}. */
  public boolean succeeded() {
    return outcome == Outcome.SUCCESS;
  }

  private static void requireText(String field, @Nullable String value, int maxLength) {
    if (value == null || value.isBlank()) {
      throw new UsageValidationException(field, value, "must not be blank");
    }
    if (value.length() > maxLength) {
      throw new UsageValidationException(
          field, value, "must be at most " + maxLength + " characters");
    }
  }

  private static void optionalText(String field, @Nullable String value) {
    if (value != null) {
      requireText(field, value, MAX_FIELD_LENGTH);
    }
  }

  private static Map<String, String> validAttributes(@Nullable Map<String, String> attributes) {
    if (attributes == null || attributes.isEmpty()) {
      return Map.of();
    }
    if (attributes.size() > MAX_ATTRIBUTES) {
      throw new UsageValidationException(
          "attributes",
          attributes.size() + " entries",
          "must have at most " + MAX_ATTRIBUTES + " entries");
    }
    for (Map.Entry<String, String> e : attributes.entrySet()) {
      String key = e.getKey();
      if (key == null || key.isBlank()) {
        throw new UsageValidationException("attributes key", key, "must not be blank");
      }
      if (key.length() > MAX_ATTRIBUTE_KEY_LENGTH) {
        throw new UsageValidationException(
            "attributes key", key, "must be at most " + MAX_ATTRIBUTE_KEY_LENGTH + " characters");
      }
      String value = e.getValue();
      if (value == null) {
        throw new UsageValidationException("attributes[" + key + "]", null, "must not be null");
      }
      if (value.length() > MAX_ATTRIBUTE_VALUE_LENGTH) {
        throw new UsageValidationException(
            "attributes[" + key + "]",
            value,
            "must be at most " + MAX_ATTRIBUTE_VALUE_LENGTH + " characters");
      }
    }
    return Map.copyOf(attributes);
  }

  /**
   * Builds a {@link UsageEvent}. Defaults: a UUIDv7 id, {@code occurredAt} now, subject {@link
   * #ANONYMOUS}, {@link TokenUsage#missing()}, {@link Cost#unpriced()}, zero duration, {@link
   * Outcome#SUCCESS}, no content. {@link #build()} validates every value and throws {@link
   * UsageValidationException} naming the first field that breaks a rule.
   */
  public static final class Builder {
    private final Clock clock;
    private String operation;
    private @Nullable String id;
    private @Nullable Instant occurredAt;
    private String subject = ANONYMOUS;
    private @Nullable String userEmail;
    private @Nullable String sessionId;
    private @Nullable String tenant;
    private @Nullable String model;
    private @Nullable String provider;
    private TokenUsage tokens = TokenUsage.missing();
    private Cost cost = Cost.unpriced();
    private Duration duration = Duration.ZERO;
    private Outcome outcome = Outcome.SUCCESS;
    private @Nullable ErrorInfo error;
    private final Map<String, String> attributes = new LinkedHashMap<>();
    private @Nullable String traceId;
    private ContentSummary content = ContentSummary.none();
    private boolean skipFutureCheck;

    private Builder(String operation, Clock clock) {
      this.operation = operation;
      this.clock = Objects.requireNonNull(clock, "clock");
    }

    /** A caller-supplied operation id; repeated ids are stored once. */
    public Builder id(String id) {
      this.id = id;
      return this;
    }

    public Builder operation(String operation) {
      this.operation = operation;
      return this;
    }

    public Builder occurredAt(Instant occurredAt) {
      this.occurredAt = occurredAt;
      this.skipFutureCheck = false;
      return this;
    }

    /** The user id; null means {@link #ANONYMOUS}. */
    public Builder subject(@Nullable String subject) {
      this.subject = subject == null ? ANONYMOUS : subject;
      return this;
    }

    /**
     * Sets every who/where field from a context: subject, user email, session, tenant, model,
     * provider, and adds its attributes to those already set.
     */
    public Builder context(UsageContext context) {
      this.subject = context.subject();
      this.userEmail = context.userEmail();
      this.sessionId = context.sessionId();
      this.tenant = context.tenant();
      this.model = context.model();
      this.provider = context.provider();
      this.attributes.putAll(context.attributes());
      return this;
    }

    public Builder userEmail(@Nullable String userEmail) {
      this.userEmail = userEmail;
      return this;
    }

    public Builder sessionId(@Nullable String sessionId) {
      this.sessionId = sessionId;
      return this;
    }

    public Builder tenant(@Nullable String tenant) {
      this.tenant = tenant;
      return this;
    }

    public Builder model(@Nullable String model) {
      this.model = model;
      return this;
    }

    public Builder provider(@Nullable String provider) {
      this.provider = provider;
      return this;
    }

    public Builder tokens(TokenUsage tokens) {
      this.tokens = tokens;
      return this;
    }

    /**
     * What the operation cost, when the caller knows it (a provider that bills per call); default
     * {@link Cost#unpriced()}, which a pricing sink prices from its catalog. Attributes never set a
     * cost.
     */
    public Builder cost(Cost cost) {
      this.cost = cost;
      return this;
    }

    public Builder duration(Duration duration) {
      this.duration = duration;
      return this;
    }

    public Builder success() {
      this.outcome = Outcome.SUCCESS;
      this.error = null;
      return this;
    }

    public Builder failure(Throwable error) {
      return failure(ErrorInfo.of(error));
    }

    public Builder failure(ErrorInfo error) {
      this.outcome = Outcome.ERROR;
      this.error = error;
      return this;
    }

    /**
     * Marks the operation as {@link Outcome#CANCELLED}: the caller left before it ended (a client
     * that closed a stream). Not an error; reports count it apart.
     */
    public Builder cancelled() {
      this.outcome = Outcome.CANCELLED;
      this.error = null;
      return this;
    }

    public Builder attribute(String key, String value) {
      this.attributes.put(key, value);
      return this;
    }

    public Builder attributes(Map<String, String> attributes) {
      this.attributes.putAll(attributes);
      return this;
    }

    public Builder traceId(@Nullable String traceId) {
      this.traceId = traceId;
      return this;
    }

    public Builder content(ContentSummary content) {
      this.content = content;
      return this;
    }

    /**
     * @throws UsageValidationException naming the field and value of the first broken rule
     */
    public UsageEvent build() {
      Instant now = clock.instant();
      Instant at = occurredAt == null ? now : occurredAt;
      if (!skipFutureCheck && at.isAfter(now.plus(MAX_CLOCK_SKEW))) {
        throw new UsageValidationException(
            "occurredAt",
            at,
            "must not be more than " + MAX_CLOCK_SKEW + " after now (" + now + ")");
      }
      String eventId = id == null ? UuidV7.generateString(at.toEpochMilli()) : id;
      // A context turns a blank subject into ANONYMOUS; an event built with one is refused.
      requireText("subject", subject, MAX_SUBJECT_LENGTH);
      UsageContext context =
          new UsageContext(
              subject, userEmail, sessionId, tenant, model, provider, validAttributes(attributes));
      return new UsageEvent(
          eventId, at, operation, context, tokens, cost, duration, outcome, error, traceId,
          content);
    }
  }
}

package dev.tally.server.gateway;

import io.github.bucket4j.Bandwidth;
import io.github.bucket4j.Bucket;
import io.github.bucket4j.ConsumptionProbe;
import io.github.bucket4j.TimeMeter;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.jspecify.annotations.Nullable;

/**
 * Requests and tokens per minute for each API key and each user, in Bucket4j token buckets that
 * refill greedily (a limit of 60 rpm gives one request back each second) on the server's clock.
 *
 * <p>A request takes one token from its user's and its key's request buckets, atomically per
 * bucket, so under any concurrency exactly the limit gets through. Tokens of an answer are only
 * known after it: a request is admitted while its token buckets are not empty, and the answer's
 * tokens are taken afterwards, even past zero, which then refuses later requests until refilled
 * (OpenAI's own behaviour: a request may overshoot once). Buckets live in memory, per server.
 */
final class RateLimits {
  private static final Duration MINUTE = Duration.ofMinutes(1);

  private final GatewaySettings.Limits limits;
  private final TimeMeter time;
  private final Map<String, Bucket> keyRequests = new ConcurrentHashMap<>();
  private final Map<String, Bucket> keyTokens = new ConcurrentHashMap<>();
  private final Map<String, Bucket> userRequests = new ConcurrentHashMap<>();
  private final Map<String, Bucket> userTokens = new ConcurrentHashMap<>();

  RateLimits(GatewaySettings.Limits limits, Clock clock) {
    this.limits = limits;
    this.time =
        new TimeMeter() {
          @Override
          public long currentTimeNanos() {
            Instant now = clock.instant();
            return now.getEpochSecond() * 1_000_000_000L + now.getNano();
          }

          @Override
          public boolean isWallClockBased() {
            return true;
          }
        };
  }

  /** What a limit says in {@code x-ratelimit-*}: limit, remaining, time until full again. */
  record State(long limit, long remaining, long resetNanos) {}

  /**
   * The result of admission: refused names what ran out ({@code requests} or {@code tokens}).
   *
   * @param requests the tighter request limit, or null when none applies
   * @param tokens the tighter token limit, or null when none applies
   */
  record Admission(
      @Nullable String refused,
      long retryAfterNanos,
      @Nullable State requests,
      @Nullable State tokens) {
    boolean allowed() {
      return refused == null;
    }
  }

  /** Takes one request from the user's and the key's buckets, if both have one and tokens left. */
  Admission admit(String user, String key) {
    Bucket userBucket = bucket(userRequests, user, limits.user().rpm());
    Bucket keyBucket = bucket(keyRequests, key, limits.key().rpm());
    State tokens =
        tighter(
            tokens(userTokens, user, limits.user().tpm()),
            tokens(keyTokens, key, limits.key().tpm()));
    if (tokens != null && tokens.remaining() <= 0) {
      State requests =
          tighter(peek(userBucket, limits.user().rpm()), peek(keyBucket, limits.key().rpm()));
      return new Admission("tokens", Math.max(refillNanos(tokens), 1), requests, tokens);
    }
    ConsumptionProbe byUser =
        userBucket == null ? null : userBucket.tryConsumeAndReturnRemaining(1);
    if (byUser != null && !byUser.isConsumed()) {
      return new Admission(
          "requests",
          byUser.getNanosToWaitForRefill(),
          tighter(state(byUser, limits.user().rpm()), peek(keyBucket, limits.key().rpm())),
          tokens);
    }
    ConsumptionProbe byKey = keyBucket == null ? null : keyBucket.tryConsumeAndReturnRemaining(1);
    if (byKey != null && !byKey.isConsumed()) {
      if (userBucket != null) {
        userBucket.addTokens(1);
      }
      return new Admission(
          "requests",
          byKey.getNanosToWaitForRefill(),
          tighter(state(byKey, limits.key().rpm()), peek(userBucket, limits.user().rpm())),
          tokens);
    }
    return new Admission(
        null,
        0,
        tighter(
            byUser == null ? null : state(byUser, limits.user().rpm()),
            byKey == null ? null : state(byKey, limits.key().rpm())),
        tokens);
  }

  /** Takes the tokens an answer used from the user's and the key's token buckets. */
  void used(String user, String key, long tokens) {
    if (tokens <= 0) {
      return;
    }
    Bucket u = bucket(userTokens, user, limits.user().tpm());
    if (u != null) {
      u.consumeIgnoringRateLimits(tokens);
    }
    Bucket k = bucket(keyTokens, key, limits.key().tpm());
    if (k != null) {
      k.consumeIgnoringRateLimits(tokens);
    }
  }

  private @Nullable Bucket bucket(Map<String, Bucket> buckets, String id, long perMinute) {
    if (perMinute <= 0) {
      return null;
    }
    return buckets.computeIfAbsent(
        id,
        ignored ->
            Bucket.builder()
                .withCustomTimePrecision(time)
                .addLimit(
                    Bandwidth.builder().capacity(perMinute).refillGreedy(perMinute, MINUTE).build())
                .build());
  }

  private @Nullable State tokens(Map<String, Bucket> buckets, String id, long perMinute) {
    return peek(bucket(buckets, id, perMinute), perMinute);
  }

  private static @Nullable State peek(@Nullable Bucket bucket, long perMinute) {
    if (bucket == null) {
      return null;
    }
    long available = bucket.getAvailableTokens();
    return new State(perMinute, available, resetNanos(perMinute, available));
  }

  private static State state(ConsumptionProbe probe, long perMinute) {
    return new State(perMinute, probe.getRemainingTokens(), probe.getNanosToWaitForReset());
  }

  /** Time until a greedy bucket with {@code available} tokens is full again. */
  private static long resetNanos(long perMinute, long available) {
    long missing = perMinute - available;
    return missing <= 0 ? 0 : ceilDiv(missing, perMinute);
  }

  private static long refillNanos(State tokens) {
    return ceilDiv(1 - tokens.remaining(), tokens.limit());
  }

  /** Nanoseconds a greedy bucket of {@code perMinute} takes to refill {@code missing} tokens. */
  private static long ceilDiv(long missing, long perMinute) {
    double nanos = Math.ceil((double) missing * MINUTE.toNanos() / perMinute);
    return nanos >= Long.MAX_VALUE ? Long.MAX_VALUE : (long) nanos;
  }

  /** The state with fewer remaining, the only one that can refuse first. */
  private static @Nullable State tighter(@Nullable State a, @Nullable State b) {
    if (a == null) {
      return b;
    }
    if (b == null) {
      return a;
    }
    return a.remaining() <= b.remaining() ? a : b;
  }
}

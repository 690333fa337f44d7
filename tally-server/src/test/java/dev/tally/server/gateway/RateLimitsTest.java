package dev.tally.server.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import org.junit.jupiter.api.Test;

class RateLimitsTest {
  static final Instant T0 = Instant.parse("2026-12-03T10:00:00Z");

  @Test
  void aRequestBucketRefillsOneRequestPerSecondAtSixtyRpm() {
    RateLimits limits =
        new RateLimits(
            new GatewaySettings.Limits(
                new GatewaySettings.Limit(60, 0), new GatewaySettings.Limit(0, 0)),
            Clock.fixed(T0, ZoneOffset.UTC));
    for (int i = 0; i < 60; i++) {
      assertThat(limits.admit("u", "k").allowed()).isTrue();
    }
    RateLimits.Admission refused = limits.admit("u", "k");
    assertThat(refused.refused()).isEqualTo("requests");
    assertThat(refused.retryAfterNanos()).isEqualTo(Duration.ofSeconds(1).toNanos());
    assertThat(refused.requests().remaining()).isZero();
    // another key of the same user is not limited by this key's bucket
    assertThat(limits.admit("u", "other").allowed()).isTrue();
  }

  @Test
  void aUserLimitRefusesAllTheirKeysAndTheKeyBucketIsNotCharged() {
    RateLimits limits =
        new RateLimits(
            new GatewaySettings.Limits(
                new GatewaySettings.Limit(10, 0), new GatewaySettings.Limit(2, 0)),
            Clock.fixed(T0, ZoneOffset.UTC));
    assertThat(limits.admit("u", "a").allowed()).isTrue();
    assertThat(limits.admit("u", "b").allowed()).isTrue();
    RateLimits.Admission third = limits.admit("u", "a");
    assertThat(third.allowed()).isFalse();
    assertThat(third.requests().limit()).isEqualTo(2);
  }

  @Test
  void tokensAreTakenAfterTheAnswerAndRefuseTheNextRequest() {
    RateLimits limits =
        new RateLimits(
            new GatewaySettings.Limits(
                new GatewaySettings.Limit(0, 1000), new GatewaySettings.Limit(0, 0)),
            Clock.fixed(T0, ZoneOffset.UTC));
    assertThat(limits.admit("u", "k").allowed()).isTrue();
    limits.used("u", "k", 1500);
    RateLimits.Admission next = limits.admit("u", "k");
    assertThat(next.refused()).isEqualTo("tokens");
    assertThat(next.tokens().remaining()).isEqualTo(-500);
    // 501 tokens to refill at 1000 per minute: 30.06 s
    assertThat(next.retryAfterNanos()).isEqualTo(30_060_000_000L);
  }
}

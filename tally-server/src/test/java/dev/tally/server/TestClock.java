package dev.tally.server;

import java.time.Clock;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.concurrent.atomic.AtomicReference;
import org.jspecify.annotations.Nullable;
import org.springframework.boot.test.context.TestConfiguration;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Primary;

/**
 * The system clock, unless a test pins it to an instant (to make events happen before a price
 * change). Only ever pinned between requests, and always reset afterwards.
 */
public final class TestClock extends Clock {
  private final AtomicReference<@Nullable Instant> pinned = new AtomicReference<>();

  public void pin(Instant at) {
    pinned.set(at);
  }

  public void reset() {
    pinned.set(null);
  }

  @Override
  public ZoneId getZone() {
    return ZoneOffset.UTC;
  }

  @Override
  public Clock withZone(ZoneId zone) {
    throw new UnsupportedOperationException("the test clock is UTC only");
  }

  @Override
  public Instant instant() {
    Instant at = pinned.get();
    return at != null ? at : Instant.now();
  }

  /** Makes the test clock the application's clock. */
  @TestConfiguration(proxyBeanMethods = false)
  public static class Config {
    @Bean
    @Primary
    TestClock testClock() {
      return new TestClock();
    }
  }
}

package dev.tally.core.internal;

import dev.tally.core.UsageStream;
import dev.tally.core.event.ErrorInfo;
import dev.tally.core.event.TokenUsage;
import org.jspecify.annotations.Nullable;

/** The stream of a disabled tracker: accepts everything, records nothing. */
enum NoopStream implements UsageStream {
  INSTANCE;

  @Override
  public UsageStream prompt(CharSequence prompt) {
    return this;
  }

  @Override
  public UsageStream promptTokens(long tokens) {
    return this;
  }

  @Override
  public UsageStream id(String operationId) {
    return this;
  }

  @Override
  public UsageStream model(@Nullable String model) {
    return this;
  }

  @Override
  public UsageStream attribute(String key, String value) {
    return this;
  }

  @Override
  public UsageStream delivered(CharSequence text) {
    return this;
  }

  @Override
  public UsageStream deliveredTokens(long tokens) {
    return this;
  }

  @Override
  public UsageStream usage(TokenUsage usage) {
    return this;
  }

  @Override
  public UsageStream partialUsage(TokenUsage usage) {
    return this;
  }

  @Override
  public boolean complete() {
    return false;
  }

  @Override
  public boolean fail(Throwable error) {
    return false;
  }

  @Override
  public boolean fail(ErrorInfo error) {
    return false;
  }

  @Override
  public boolean cancel() {
    return false;
  }

  @Override
  public TokenUsage tokens() {
    return TokenUsage.missing();
  }

  @Override
  public boolean isEnded() {
    return false;
  }

  @Override
  public void close() {}
}

package dev.tally.server.budget;

import dev.tally.core.UsageStream;
import dev.tally.core.event.ErrorInfo;
import dev.tally.core.event.TokenUsage;
import org.jspecify.annotations.Nullable;

/**
 * A call's usage stream that settles the call's reservation with the tokens the stream recorded,
 * priced at the model it recorded, when the stream ends (completed, failed, cancelled or closed).
 */
final class SettlingUsageStream implements UsageStream {
  private final UsageStream usage;
  private final CallReservations.Call call;
  private volatile @Nullable String model;

  SettlingUsageStream(UsageStream usage, CallReservations.Call call, String model) {
    this.usage = usage;
    this.call = call;
    this.model = model;
  }

  private boolean settled(boolean ended) {
    call.settle(model, usage.tokens());
    return ended;
  }

  @Override
  public UsageStream prompt(CharSequence prompt) {
    usage.prompt(prompt);
    return this;
  }

  @Override
  public UsageStream promptTokens(long tokens) {
    usage.promptTokens(tokens);
    return this;
  }

  @Override
  public UsageStream id(String operationId) {
    usage.id(operationId);
    return this;
  }

  @Override
  public UsageStream model(@Nullable String name) {
    usage.model(name);
    if (name != null) {
      this.model = name;
    }
    return this;
  }

  @Override
  public UsageStream attribute(String key, String value) {
    usage.attribute(key, value);
    return this;
  }

  @Override
  public UsageStream delivered(CharSequence text) {
    usage.delivered(text);
    return this;
  }

  @Override
  public UsageStream deliveredTokens(long tokens) {
    usage.deliveredTokens(tokens);
    return this;
  }

  @Override
  public UsageStream usage(TokenUsage reported) {
    usage.usage(reported);
    return this;
  }

  @Override
  public UsageStream partialUsage(TokenUsage partial) {
    usage.partialUsage(partial);
    return this;
  }

  @Override
  public boolean complete() {
    return settled(usage.complete());
  }

  @Override
  public boolean fail(Throwable error) {
    return settled(usage.fail(error));
  }

  @Override
  public boolean fail(ErrorInfo error) {
    return settled(usage.fail(error));
  }

  @Override
  public boolean cancel() {
    return settled(usage.cancel());
  }

  @Override
  public TokenUsage tokens() {
    return usage.tokens();
  }

  @Override
  public boolean isEnded() {
    return usage.isEnded();
  }

  @Override
  public void close() {
    usage.close();
    call.settle(model, usage.tokens());
  }
}

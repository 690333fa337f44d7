package dev.tally.springai.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tally.core.event.TokenUsage;
import dev.tally.core.event.UsageSource;
import org.junit.jupiter.api.Test;
import org.springframework.ai.chat.metadata.DefaultUsage;
import org.springframework.ai.chat.metadata.EmptyUsage;

class SpringAiUsageTest {

  @Test
  void openAiStyleCountsAreInclusiveAndBecomeDisjoint() {
    DefaultUsage usage = new DefaultUsage(100, 40, 140, null, 30L, null);
    assertThat(SpringAiUsage.reported(usage, "openai"))
        .isEqualTo(new TokenUsage(70, 30, 0, 40, 0, UsageSource.REPORTED));
  }

  @Test
  void anthropicCountsAreAlreadyDisjoint() {
    DefaultUsage usage = new DefaultUsage(100, 40, 140, null, 30L, 20L);
    assertThat(SpringAiUsage.reported(usage, "anthropic"))
        .isEqualTo(new TokenUsage(100, 30, 20, 40, 0, UsageSource.REPORTED));
  }

  @Test
  void aCachedCountLargerThanThePromptIsClampedNotRejected() {
    DefaultUsage usage = new DefaultUsage(10, 5, 15, null, 50L, null);
    assertThat(SpringAiUsage.reported(usage, "openai"))
        .isEqualTo(new TokenUsage(0, 10, 0, 5, 0, UsageSource.REPORTED));
  }

  @Test
  void emptyOrAllZeroUsageIsNotReported() {
    assertThat(SpringAiUsage.reported(new EmptyUsage(), "openai")).isNull();
    assertThat(SpringAiUsage.reported(new DefaultUsage(0, 0, 0), "openai")).isNull();
    assertThat(SpringAiUsage.reported(null, "openai")).isNull();
  }
}

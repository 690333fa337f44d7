package dev.tally.llm;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class JtokkitTokenEstimatorTest {
  private final JtokkitTokenEstimator estimator = JtokkitTokenEstimator.create();

  @Test
  void picksTheEncodingOfTheModelFamily() {
    assertThat(estimator.name("gpt-4o-mini-2024-07-18")).isEqualTo("jtokkit/o200k_base");
    assertThat(estimator.name("openai/gpt-5-mini")).isEqualTo("jtokkit/o200k_base");
    assertThat(estimator.name("gpt-4-0613")).isEqualTo("jtokkit/cl100k_base");
    assertThat(estimator.name("claude-sonnet-4-5")).isEqualTo("jtokkit/o200k_base");
    assertThat(estimator.name(null)).isEqualTo("jtokkit/o200k_base");
  }

  @Test
  void countsTokensAndNeverZeroForText() {
    assertThat(estimator.count("What is the capital of France?", "gpt-4o")).isEqualTo(7);
    assertThat(estimator.count(" ", null)).isEqualTo(1);
    assertThat(estimator.count("", null)).isZero();
  }
}

package dev.tally.llm;

import static org.assertj.core.api.Assertions.assertThat;

import com.knuddels.jtokkit.api.EncodingType;
import org.junit.jupiter.api.Test;

class JtokkitTokenEstimatorTest {
  private final JtokkitTokenEstimator estimator = JtokkitTokenEstimator.create();

  @Test
  void picksTheEncodingOfTheModelFamily() {
    assertThat(estimator.name("gpt-4o-mini-2024-07-18")).isEqualTo("jtokkit/o200k_base");
    assertThat(estimator.name("openai/gpt-5-mini")).isEqualTo("jtokkit/o200k_base");
    assertThat(estimator.name("gpt-4-0613")).isEqualTo("jtokkit/cl100k_base");
    assertThat(estimator.name("claude-sonnet-4-5")).isEqualTo("jtokkit/cl100k_base");
    assertThat(estimator.name(null)).isEqualTo("jtokkit/cl100k_base");
  }

  @Test
  void aGivenFallbackServesUnknownModelsAndKnownOnesKeepTheirs() {
    JtokkitTokenEstimator o200k = JtokkitTokenEstimator.withDefault(EncodingType.O200K_BASE);
    assertThat(o200k.name("claude-sonnet-4-5")).isEqualTo("jtokkit/o200k_base");
    assertThat(o200k.name("gpt-4-0613")).isEqualTo("jtokkit/cl100k_base");
  }

  @Test
  void modelsPastTheRememberedOnesAreStillResolved() {
    for (int i = 0; i < JtokkitTokenEstimator.MAX_REMEMBERED_MODELS + 10; i++) {
      assertThat(estimator.name("local-model-" + i)).isEqualTo("jtokkit/cl100k_base");
      assertThat(estimator.name("gpt-4o-" + i)).isEqualTo("jtokkit/o200k_base");
    }
    assertThat(estimator.count("What is the capital of France?", "gpt-4o-9999")).isEqualTo(7);
  }

  @Test
  void countsTokensAndNeverZeroForText() {
    assertThat(estimator.count("What is the capital of France?", "gpt-4o")).isEqualTo(7);
    assertThat(estimator.count(" ", null)).isEqualTo(1);
    assertThat(estimator.count("", null)).isZero();
  }
}

package dev.tally.springai.autoconfigure;

import org.springframework.boot.context.properties.ConfigurationProperties;

/** Tracking of Spring AI chat calls, under {@code tally.spring-ai.*}. */
@ConfigurationProperties("tally.spring-ai")
public class TallySpringAiProperties {
  /** The operation name of a model round unless configured. */
  public static final String DEFAULT_OPERATION = "chat";

  /** Whether Spring AI chat calls are tracked (when Spring AI is on the class path). */
  private boolean enabled = true;

  /** The operation name recorded for each model round. */
  private String operation = DEFAULT_OPERATION;

  /**
   * Whether Tally's token histogram replaces Spring AI's {@code gen_ai.client.token.usage} counter,
   * so one meter (with buckets, provider, response model and every token type) is published under
   * that name. Spring AI's observation, spans and duration timer are untouched.
   */
  private boolean replaceTokenMetric = true;

  public boolean isEnabled() {
    return enabled;
  }

  public void setEnabled(boolean enabled) {
    this.enabled = enabled;
  }

  public String getOperation() {
    return operation;
  }

  public void setOperation(String operation) {
    this.operation = operation;
  }

  public boolean isReplaceTokenMetric() {
    return replaceTokenMetric;
  }

  public void setReplaceTokenMetric(boolean replaceTokenMetric) {
    this.replaceTokenMetric = replaceTokenMetric;
  }
}

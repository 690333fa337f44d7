package dev.tally.spring.autoconfigure;

import dev.tally.core.pipeline.UsagePipeline;

/**
 * Adjusts the pipeline before it is built, after the {@code tally.pipeline.*} properties were
 * applied. Tally's metrics support uses one to attach its observers; applications may add their
 * own.
 */
@FunctionalInterface
public interface TallyPipelineCustomizer {
  void customize(UsagePipeline.Builder builder);
}

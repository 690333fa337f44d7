package dev.tally.spring.autoconfigure;

import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;

/**
 * Supplies the trace id current on the calling thread, or null. Provided automatically from
 * Micrometer Tracing when it is present; define your own bean to use another tracer.
 */
@FunctionalInterface
public interface TallyTraceIdProvider extends Supplier<@Nullable String> {}

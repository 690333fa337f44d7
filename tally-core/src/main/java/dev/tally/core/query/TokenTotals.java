package dev.tally.core.query;

/**
 * Summed token counts by category. Events whose usage was {@code MISSING} add nothing here; they
 * are counted in {@link UsageMeasures#tokensMissing()} so a zero is never taken for "used nothing".
 */
public record TokenTotals(
    long input, long cachedInput, long cacheWrite, long output, long reasoning) {

  /** The sum of every category. */
  public long total() {
    return input + cachedInput + cacheWrite + output + reasoning;
  }
}

package dev.tally.server.usage;

import java.util.List;
import org.jspecify.annotations.Nullable;

/** Writes a usage report's series as CSV (RFC 4180): one line per bucket and group. */
final class UsageCsv {
  private static final List<String> MEASURES =
      List.of(
          "requests",
          "errors",
          "input_tokens",
          "cached_input_tokens",
          "cache_write_tokens",
          "output_tokens",
          "reasoning_tokens",
          "total_tokens",
          "tokens_missing",
          "cost",
          "currency",
          "unpriced",
          "duration_p95_ms");

  private UsageCsv() {}

  static String write(UsageViews.Report report) {
    StringBuilder out = new StringBuilder();
    out.append("start,end");
    for (String g : report.groupBy()) {
      out.append(',').append(g);
    }
    for (String m : MEASURES) {
      out.append(',').append(m);
    }
    out.append("\r\n");
    for (UsageViews.Point p : report.series()) {
      out.append(p.start()).append(',').append(p.end());
      for (String g : report.groupBy()) {
        out.append(',').append(cell(p.group().get(g)));
      }
      UsageViews.Measures m = p.measures();
      Object[] values = {
        m.requests(),
        m.errors(),
        m.inputTokens(),
        m.cachedInputTokens(),
        m.cacheWriteTokens(),
        m.outputTokens(),
        m.reasoningTokens(),
        m.totalTokens(),
        m.tokensMissing(),
        m.cost(),
        m.currency(),
        m.unpriced(),
        m.durationP95Ms()
      };
      for (Object v : values) {
        out.append(',').append(v == null ? "" : cell(v.toString()));
      }
      out.append("\r\n");
    }
    return out.toString();
  }

  /** Quotes a cell when it holds a separator or quote; defuses spreadsheet formulas. */
  static String cell(@Nullable String value) {
    if (value == null) {
      return "";
    }
    String v = value;
    if (!v.isEmpty() && "=+-@".indexOf(v.charAt(0)) >= 0 && !v.matches("-?[0-9.]+")) {
      v = "'" + v;
    }
    if (v.contains(",") || v.contains("\"") || v.contains("\n") || v.contains("\r")) {
      return '"' + v.replace("\"", "\"\"") + '"';
    }
    return v;
  }
}

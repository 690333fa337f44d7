package dev.tally.server.usage;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class UsageCsvTest {
  @Test
  void cellsWithSeparatorsOrQuotesAreQuoted() {
    assertThat(UsageCsv.cell("plain")).isEqualTo("plain");
    assertThat(UsageCsv.cell("a,b")).isEqualTo("\"a,b\"");
    assertThat(UsageCsv.cell("say \"hi\"")).isEqualTo("\"say \"\"hi\"\"\"");
    assertThat(UsageCsv.cell("two\nlines")).isEqualTo("\"two\nlines\"");
  }

  @Test
  void spreadsheetFormulasAreDefusedButNumbersAreNot() {
    assertThat(UsageCsv.cell("=HYPERLINK(\"x\")")).startsWith("\"'=HYPERLINK");
    assertThat(UsageCsv.cell("@user")).isEqualTo("'@user");
    assertThat(UsageCsv.cell("-12.5")).isEqualTo("-12.5");
    assertThat(UsageCsv.cell(null)).isEmpty();
  }
}

package dev.tally.server.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.json.JsonMapper;

class UpstreamsTest {
  private static final UpstreamHttp HTTP =
      new UpstreamHttp(Duration.ofSeconds(1), Duration.ofSeconds(1));

  static Upstream upstream(
      String name, List<String> models, Map<String, String> aliases, @Nullable String fallback) {
    return new HttpUpstream(
        name,
        models,
        aliases,
        fallback,
        HTTP,
        JsonMapper.builder().build(),
        "http://127.0.0.1:1/v1",
        UpstreamKey.of("sk-secret-value"));
  }

  @Test
  void exactNamesAndAliasesWinThenTheLongestPrefix() {
    Upstreams upstreams =
        new Upstreams(
            List.of(
                upstream("broad", List.of("gpt-*"), Map.of(), null),
                upstream(
                    "narrow",
                    List.of("gpt-4o-*", "gpt-exact"),
                    Map.of("fast", "gpt-4o-mini"),
                    null)));

    assertThat(upstreams.route("gpt-4o-mini").orElseThrow().upstream().name()).isEqualTo("narrow");
    assertThat(upstreams.route("gpt-3.5").orElseThrow().upstream().name()).isEqualTo("broad");
    Upstreams.Route alias = upstreams.route("fast").orElseThrow();
    assertThat(alias.upstream().name()).isEqualTo("narrow");
    assertThat(alias.model()).isEqualTo("gpt-4o-mini");
    assertThat(upstreams.route("claude")).isEmpty();
    assertThat(upstreams.listed()).containsOnlyKeys("gpt-exact", "fast");
  }

  @Test
  void aFallbackMustNameAnotherUpstream() {
    assertThatThrownBy(() -> new Upstreams(List.of(upstream("a", List.of("m"), Map.of(), "nope"))))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage(
            "tally.server.gateway.upstreams.a.fallback must name another upstream, was 'nope'");
    assertThatThrownBy(() -> new Upstreams(List.of(upstream("a", List.of("m"), Map.of(), "a"))))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void theUpstreamKeyIsHiddenAndScrubbed() {
    UpstreamKey key = UpstreamKey.of("sk-secret-value");
    assertThat(key.toString()).doesNotContain("sk-secret-value");
    assertThat(key.scrub("Incorrect API key provided: sk-secret-value."))
        .isEqualTo("Incorrect API key provided: [upstream key].");
    assertThat(upstream("a", List.of(), Map.of(), null).toString()).doesNotContain("secret");
  }

  @Test
  void durationsAreWrittenAsOpenAiWritesThem() {
    assertThat(Admission.duration(0)).isEqualTo("0ms");
    assertThat(Admission.duration(20_000_000L)).isEqualTo("20ms");
    assertThat(Admission.duration(1_000_000_000L)).isEqualTo("1s");
    assertThat(Admission.duration(1_500_000_000L)).isEqualTo("1.5s");
    assertThat(Admission.duration(360_000_000_000L)).isEqualTo("6m0s");
  }

  @Test
  void overheadIsWrittenInMillisecondsWithThreeDecimals() {
    assertThat(GatewayExchange.millis(412)).isEqualTo("0.412");
    assertThat(GatewayExchange.millis(1_005)).isEqualTo("1.005");
    assertThat(GatewayExchange.millis(20_070)).isEqualTo("20.070");
  }
}

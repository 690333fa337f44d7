package dev.tally.server.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** The OpenAI-Anthropic translation's edges; the wire itself is GatewayAnthropicServerTest's. */
class AnthropicTranslationTest {
  final JsonMapper json = JsonMapper.builder().build();
  final Clock clock = Clock.fixed(Instant.parse("2026-12-03T10:00:00Z"), ZoneOffset.UTC);

  /** Anthropic's SSE lines, as the HTTP stream would give them. */
  static Upstream.Stream lines(String... events) {
    Deque<String> lines = new ArrayDeque<>();
    for (String data : events) {
      lines.add("event: x");
      lines.add("data: " + data);
      lines.add("");
    }
    return new Upstream.Stream() {
      @Override
      public int status() {
        return 200;
      }

      @Override
      public @Nullable String nextLine() {
        return lines.poll();
      }

      @Override
      public String errorBody() {
        return "";
      }

      @Override
      public void close() {}
    };
  }

  List<String> read(Upstream.Stream stream) throws Exception {
    List<String> out = new ArrayList<>();
    String line;
    while ((line = stream.nextLine()) != null) {
      if (!line.isEmpty()) {
        out.add(line.substring("data: ".length()));
      }
    }
    return out;
  }

  @Test
  void theLastCumulativeCountWinsAndCountsAMessageDeltaLeavesOutKeepTheirStartValues()
      throws Exception {
    List<String> chunks =
        read(
            new AnthropicStream(
                lines(
                    "{\"type\":\"message_start\",\"message\":{\"id\":\"m\",\"model\":\"c\","
                        + "\"usage\":{\"input_tokens\":9,\"cache_read_input_tokens\":4,"
                        + "\"output_tokens\":1}}}",
                    "{\"type\":\"content_block_delta\",\"delta\":{\"type\":\"thinking_delta\","
                        + "\"thinking\":\"hmm\"}}",
                    "{\"type\":\"content_block_delta\",\"delta\":{\"type\":\"text_delta\","
                        + "\"text\":\"Hi\"}}",
                    "{\"type\":\"message_delta\",\"delta\":{},\"usage\":{\"output_tokens\":10}}",
                    "{\"type\":\"message_delta\",\"delta\":{\"stop_reason\":\"max_tokens\"},"
                        + "\"usage\":{\"output_tokens\":25}}",
                    "{\"type\":\"message_stop\"}"),
                json,
                clock));

    assertThat(chunks).hasSize(5).last().isEqualTo("[DONE]");
    assertThat(
            json.readTree(chunks.get(1))
                .path("choices")
                .get(0)
                .path("delta")
                .path("content")
                .asString())
        .isEqualTo("Hi");
    assertThat(json.readTree(chunks.get(2)).path("choices").get(0).path("finish_reason").asString())
        .isEqualTo("length");
    JsonNode usage = json.readTree(chunks.get(3)).path("usage");
    assertThat(json.readTree(chunks.get(3)).path("choices")).isEmpty();
    assertThat(usage.path("prompt_tokens").asLong()).isEqualTo(13);
    assertThat(usage.path("prompt_tokens_details").path("cached_tokens").asLong()).isEqualTo(4);
    assertThat(usage.path("completion_tokens").asLong()).isEqualTo(25);
    assertThat(usage.path("total_tokens").asLong()).isEqualTo(38);
  }

  @Test
  void anErrorEventIsOpenAisErrorChunkAndEndsTheStreamWithoutDone() throws Exception {
    List<String> chunks =
        read(
            new AnthropicStream(
                lines(
                    "{\"type\":\"message_start\",\"message\":{\"id\":\"m\",\"model\":\"c\"}}",
                    "{\"type\":\"error\",\"error\":{\"type\":\"overloaded_error\","
                        + "\"message\":\"Overloaded\"}}",
                    "{\"type\":\"message_stop\"}"),
                json,
                clock));

    assertThat(chunks).hasSize(2).doesNotContain("[DONE]");
    JsonNode error = json.readTree(chunks.get(1)).path("error");
    assertThat(error.path("type").asString()).isEqualTo("overloaded_error");
    assertThat(error.path("message").asString()).isEqualTo("Overloaded");
  }

  @Test
  void systemAndDeveloperMessagesBecomeTheSystemAndImagePartsBecomeImageBlocks() {
    JsonNode request =
        json.readTree(
            """
            {"model": "c", "max_tokens": 50, "stop": ["a", "b"], "user": "u-1",
             "messages": [
               {"role": "system", "content": "One."},
               {"role": "developer", "content": [{"type": "text", "text": "Two."}]},
               {"role": "user", "content": [
                 {"type": "text", "text": "look"},
                 {"type": "image_url", "image_url": {"url": "data:image/png;base64,AAAA"}},
                 {"type": "image_url", "image_url": {"url": "https://example.com/cat.png"}}]},
               {"role": "assistant", "content": "seen"}],
             "logprobs": true}
            """);

    JsonNode out = AnthropicTranslation.request(json, request, false);

    assertThat(out.path("system").asString()).isEqualTo("One.\n\nTwo.");
    assertThat(out.path("max_tokens").asInt()).isEqualTo(50);
    assertThat(out.path("stop_sequences")).hasSize(2);
    assertThat(out.path("metadata").path("user_id").asString()).isEqualTo("u-1");
    assertThat(out.has("logprobs")).isFalse();
    JsonNode parts = out.path("messages").get(0).path("content");
    assertThat(parts.get(1).path("source").path("type").asString()).isEqualTo("base64");
    assertThat(parts.get(1).path("source").path("media_type").asString()).isEqualTo("image/png");
    assertThat(parts.get(1).path("source").path("data").asString()).isEqualTo("AAAA");
    assertThat(parts.get(2).path("source").path("url").asString())
        .isEqualTo("https://example.com/cat.png");
    assertThat(out.path("messages").get(1).path("content").asString()).isEqualTo("seen");
  }

  @Test
  void whatHasNoTranslationIsRefusedNamingIt() {
    assertThatThrownBy(
            () ->
                AnthropicTranslation.request(
                    json, json.readTree("{\"model\":\"c\",\"n\":2,\"messages\":[]}"), false))
        .hasMessageContaining("n must be 1");
    assertThatThrownBy(
            () ->
                AnthropicTranslation.request(
                    json,
                    json.readTree(
                        "{\"model\":\"c\",\"messages\":[{\"role\":\"tool\",\"content\":\"x\"}]}"),
                    false))
        .hasMessageContaining("role 'tool'");
    assertThatThrownBy(
            () ->
                AnthropicTranslation.request(
                    json,
                    json.readTree(
                        "{\"model\":\"c\",\"messages\":[{\"role\":\"user\",\"content\":"
                            + "[{\"type\":\"input_audio\"}]}]}"),
                    false))
        .hasMessageContaining("'input_audio'");
  }

  @Test
  void stopReasonsAreOpenAisFinishReasons() {
    assertThat(AnthropicTranslation.finishReason(json.readTree("\"end_turn\""))).isEqualTo("stop");
    assertThat(AnthropicTranslation.finishReason(json.readTree("\"stop_sequence\"")))
        .isEqualTo("stop");
    assertThat(AnthropicTranslation.finishReason(json.readTree("\"max_tokens\"")))
        .isEqualTo("length");
    assertThat(AnthropicTranslation.finishReason(json.readTree("\"refusal\"")))
        .isEqualTo("content_filter");
    assertThat(AnthropicTranslation.finishReason(json.readTree("null"))).isNull();
  }
}

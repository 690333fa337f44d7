package dev.tally.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tally.core.event.UsageSource;
import dev.tally.server.model.ChatCompletion;
import dev.tally.server.model.ChatMessage;
import dev.tally.server.model.ChatModelException;
import dev.tally.server.model.ChatModelTimeoutException;
import dev.tally.server.model.OpenAiCompatibleChatModel;
import dev.tally.server.model.TokenCounter;
import java.io.IOException;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.json.JsonMapper;

/** The provider adapter alone, against the local fake provider. */
class OpenAiCompatibleChatModelTest {
  static final TokenCounter TOKENS = new TokenCounter();
  static final List<ChatMessage> HELLO = List.of(ChatMessage.user("hello"));

  final FakeOpenAi provider = new FakeOpenAi();

  @AfterEach
  void stop() {
    provider.close();
  }

  static OpenAiCompatibleChatModel model(String baseUrl, Duration timeout) {
    return new OpenAiCompatibleChatModel(
        OpenAiCompatibleChatModel.httpClient(Duration.ofSeconds(2)),
        JsonMapper.builder().build(),
        TOKENS,
        baseUrl,
        null,
        "gpt-test",
        "openai",
        timeout);
  }

  @Test
  void inclusiveProviderCountsBecomeDisjointCategories() {
    ChatCompletion c = model(provider.baseUrl() + "/", Duration.ofSeconds(5)).complete(HELLO);

    assertThat(c.usage().source()).isEqualTo(UsageSource.REPORTED);
    assertThat(c.usage().input()).isEqualTo(20);
    assertThat(c.usage().cachedInput()).isEqualTo(100);
    assertThat(c.usage().output()).isEqualTo(20);
    assertThat(c.usage().reasoning()).isEqualTo(10);
    assertThat(c.usage().total()).isEqualTo(150);
    assertThat(provider.lastAuthorization()).isNull();
  }

  @Test
  void anAnswerWithoutUsageIsEstimatedNeverZero() {
    provider.answerWithoutUsage();

    ChatCompletion c = model(provider.baseUrl(), Duration.ofSeconds(5)).complete(HELLO);

    assertThat(c.model()).isEqualTo("local-llm");
    assertThat(c.usage().source()).isEqualTo(UsageSource.ESTIMATED);
    assertThat(c.usage().input()).isEqualTo(TOKENS.countPrompt(HELLO));
    assertThat(c.usage().output()).isEqualTo(TOKENS.count("no usage here"));
  }

  @Test
  void anAnswerThatIsNotJsonIsAProviderError() {
    provider.answerGarbage();

    assertThatThrownBy(() -> model(provider.baseUrl(), Duration.ofSeconds(5)).complete(HELLO))
        .isExactlyInstanceOf(ChatModelException.class)
        .hasMessageContaining("invalid JSON");
  }

  @Test
  void anUnreachableProviderIsAProviderError() throws IOException {
    int closedPort;
    try (ServerSocket socket = new ServerSocket(0)) {
      closedPort = socket.getLocalPort();
    }

    assertThatThrownBy(
            () ->
                model("http://127.0.0.1:" + closedPort + "/v1", Duration.ofSeconds(5))
                    .complete(HELLO))
        .isExactlyInstanceOf(ChatModelException.class)
        .hasMessageStartingWith("model provider could not be reached");
  }

  @Test
  void aSlowProviderTimesOut() {
    provider.stall();

    assertThatThrownBy(() -> model(provider.baseUrl(), Duration.ofMillis(300)).complete(HELLO))
        .isInstanceOf(ChatModelTimeoutException.class)
        .hasMessage("model provider did not answer within 300 ms");
  }
}

package dev.tally.benchmarks.http;

import com.knuddels.jtokkit.Encodings;
import com.knuddels.jtokkit.api.Encoding;
import com.knuddels.jtokkit.api.EncodingType;
import dev.tally.core.TokenUsage;
import dev.tally.core.TrackUsage;
import java.util.Map;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.stereotype.Service;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

/**
 * The application behind {@code http-load.sh}: one JSON endpoint whose service is tracked with
 * {@code @TrackUsage}, behind Tally's HTTP filter, writing to an SQLite ledger. Started once with
 * {@code --tally.enabled=true} and once with {@code --tally.enabled=false} to measure what tracking
 * costs a real request.
 */
@SpringBootApplication
public class HttpLoadApp {

  public static void main(String[] args) {
    SpringApplication.run(HttpLoadApp.class, args);
  }

  /**
   * With {@code --bench.discard-sink=true}, events go through the filter, aspect and pipeline but
   * the sink discards them: separates the cost of tracking from the cost of the ledger.
   */
  @org.springframework.context.annotation.Bean
  @org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty(
      "bench.discard-sink")
  dev.tally.core.UsageSink discardingSink() {
    return batch -> java.util.concurrent.CompletableFuture.completedFuture(null);
  }

  /** What the endpoint answers. */
  public record Reply(String answer, int inputTokens, int outputTokens) {
    public TokenUsage usage() {
      return TokenUsage.estimated(inputTokens, outputTokens);
    }
  }

  /** The tracked business service. */
  @Service
  public static class Answers {
    private final Encoding encoding =
        Encodings.newLazyEncodingRegistry().getEncoding(EncodingType.O200K_BASE);

    @TrackUsage(value = "answer", subject = "#user", tokens = "#result.usage()")
    public Reply answer(String user, String question) {
      return new Reply("echo: " + question, question.length() / 4 + 1, 8);
    }

    /**
     * What the reference server's echo model does for a chat turn: count the prompt's tokens with
     * the o200k tokenizer and answer with a short reply whose tokens are counted too.
     */
    @TrackUsage(value = "chat", subject = "#user", model = "'echo'", tokens = "#result.usage()")
    public Reply chat(String user, String message) {
      String reply = "You said: " + message.substring(0, Math.min(120, message.length()));
      return new Reply(reply, encoding.countTokens(message), encoding.countTokens(reply));
    }
  }

  /** The endpoints under load. */
  @RestController
  public static class Endpoint {
    private final Answers answers;

    public Endpoint(Answers answers) {
      this.answers = answers;
    }

    @GetMapping("/answer")
    public Map<String, Object> answer(
        @RequestParam(defaultValue = "anonymous") String user,
        @RequestParam(defaultValue = "what is the answer") String q) {
      Reply reply = answers.answer(user, q);
      return Map.of("answer", reply.answer(), "tokens", reply.inputTokens() + reply.outputTokens());
    }

    @GetMapping("/chat")
    public Map<String, Object> chat(
        @RequestParam(defaultValue = "anonymous") String user, @RequestParam String message) {
      Reply reply = answers.chat(user, message);
      return Map.of(
          "reply",
          reply.answer(),
          "inputTokens",
          reply.inputTokens(),
          "outputTokens",
          reply.outputTokens());
    }
  }
}

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
 * The application behind {@code http-load.sh} and {@code http-paired.sh}: JSON endpoints whose
 * service is tracked with {@code @TrackUsage}, behind Tally's HTTP filter, writing to an SQLite
 * ledger. {@code http-load.sh} starts it once with {@code --tally.enabled=true} and once with
 * {@code --tally.enabled=false}. Each endpoint also has an untracked twin under {@code /plain}
 * (same work, a service without the annotation, a path the filter excludes), so that {@code
 * http-paired.sh} can compare tracked and untracked requests in one JVM, alternating, with the same
 * JIT state, heap and machine state.
 */
@SpringBootApplication
public class HttpLoadApp {

  public static void main(String[] args) {
    SpringApplication app = new SpringApplication(HttpLoadApp.class);
    app.setDefaultProperties(
        Map.of("tally.filter.exclude-patterns", "/actuator/**,/error,/plain/**"));
    app.run(args);
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

  /** The business work, untracked: the {@code /plain} endpoints call it directly. */
  static class Work {
    private final Encoding encoding =
        Encodings.newLazyEncodingRegistry().getEncoding(EncodingType.O200K_BASE);

    Reply answer(String user, String question) {
      return new Reply("echo: " + question, question.length() / 4 + 1, 8);
    }

    /**
     * What the reference server's echo model does for a chat turn: count the prompt's tokens with
     * the o200k tokenizer and answer with a short reply whose tokens are counted too.
     */
    Reply chat(String user, String message) {
      String reply = "You said: " + message.substring(0, Math.min(120, message.length()));
      return new Reply(reply, encoding.countTokens(message), encoding.countTokens(reply));
    }
  }

  @org.springframework.context.annotation.Bean
  Work work() {
    return new Work();
  }

  /** The tracked business service: the same work behind {@code @TrackUsage}. */
  @Service
  public static class Answers {
    private final Work work;

    public Answers(Work work) {
      this.work = work;
    }

    @TrackUsage(value = "answer", subject = "#user", tokens = "#result.usage()")
    public Reply answer(String user, String question) {
      return work.answer(user, question);
    }

    @TrackUsage(value = "chat", subject = "#user", model = "'echo'", tokens = "#result.usage()")
    public Reply chat(String user, String message) {
      return work.chat(user, message);
    }
  }

  /** The endpoints under load: tracked, and their untracked twins under {@code /plain}. */
  @RestController
  public static class Endpoint {
    private final Answers answers;
    private final Work work;

    public Endpoint(Answers answers, Work work) {
      this.answers = answers;
      this.work = work;
    }

    @GetMapping("/answer")
    public Map<String, Object> answer(
        @RequestParam(defaultValue = "anonymous") String user,
        @RequestParam(defaultValue = "what is the answer") String q) {
      return answerBody(answers.answer(user, q));
    }

    @GetMapping("/plain/answer")
    public Map<String, Object> plainAnswer(
        @RequestParam(defaultValue = "anonymous") String user,
        @RequestParam(defaultValue = "what is the answer") String q) {
      return answerBody(work.answer(user, q));
    }

    @GetMapping("/chat")
    public Map<String, Object> chat(
        @RequestParam(defaultValue = "anonymous") String user, @RequestParam String message) {
      return chatBody(answers.chat(user, message));
    }

    @GetMapping("/plain/chat")
    public Map<String, Object> plainChat(
        @RequestParam(defaultValue = "anonymous") String user, @RequestParam String message) {
      return chatBody(work.chat(user, message));
    }

    private static Map<String, Object> answerBody(Reply reply) {
      return Map.of("answer", reply.answer(), "tokens", reply.inputTokens() + reply.outputTokens());
    }

    private static Map<String, Object> chatBody(Reply reply) {
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

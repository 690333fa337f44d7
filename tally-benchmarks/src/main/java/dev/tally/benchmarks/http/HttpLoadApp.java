package dev.tally.benchmarks.http;

import com.knuddels.jtokkit.Encodings;
import com.knuddels.jtokkit.api.Encoding;
import com.knuddels.jtokkit.api.EncodingType;
import dev.tally.core.TrackUsage;
import dev.tally.core.event.TokenUsage;
import java.io.IOException;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.http.MediaType;
import org.springframework.stereotype.Service;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.servlet.mvc.method.annotation.SseEmitter;

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
  /** Threads writing streams; more than the concurrent streams {@code sse-paired.sh} opens. */
  static final int STREAM_WRITERS = 128;

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
  dev.tally.core.sink.UsageSink discardingSink() {
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
    // Like the reference server's stream pool: writers block on the socket, one per open stream.
    private final ExecutorService streamWriters =
        Executors.newFixedThreadPool(
            STREAM_WRITERS,
            r -> {
              Thread t = new Thread(r, "bench-stream-writer");
              t.setDaemon(true);
              return t;
            });

    /**
     * What the reference server's echo model does for a streamed chat with no delay: the message
     * back word by word, one SSE event per word, written by a pool thread.
     */
    SseEmitter stream(String user, String message) {
      SseEmitter emitter = new SseEmitter(60_000L);
      streamWriters.execute(
          () -> {
            try {
              int start = 0;
              for (int i = 0; i <= message.length(); i++) {
                if (i == message.length() || message.charAt(i) == ' ') {
                  if (i > start) {
                    emitter.send(message.substring(start, i + (i < message.length() ? 1 : 0)));
                  }
                  start = i + 1;
                }
              }
              emitter.complete();
            } catch (IOException | RuntimeException e) {
              emitter.completeWithError(e);
            }
          });
      return emitter;
    }

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

    /** One streamed operation per call: the prompt and the delivered words, estimated. */
    @TrackUsage(value = "chat-stream", subject = "#user", model = "'echo'", prompt = "#message")
    public SseEmitter stream(String user, String message) {
      return work.stream(user, message);
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

    @GetMapping(value = "/stream", produces = MediaType.TEXT_EVENT_STREAM_VALUE)
    public SseEmitter stream(
        @RequestParam(defaultValue = "anonymous") String user, @RequestParam String message) {
      return answers.stream(user, message);
    }

    @GetMapping(value = "/plain/stream", produces = MediaType.TEXT_EVENT_STREAM_VALUE)
    public SseEmitter plainStream(
        @RequestParam(defaultValue = "anonymous") String user, @RequestParam String message) {
      return work.stream(user, message);
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

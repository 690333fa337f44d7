package dev.tally.spring.stream;

import dev.tally.core.TrackUsage;
import dev.tally.test.RecordingUsageTracker;
import java.io.IOException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import org.jspecify.annotations.Nullable;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.context.annotation.Bean;
import org.springframework.http.MediaType;
import org.springframework.stereotype.Service;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.servlet.mvc.method.annotation.ResponseBodyEmitter;
import org.springframework.web.servlet.mvc.method.annotation.SseEmitter;
import reactor.core.publisher.Flux;

/**
 * An application that streams answers the three ways Spring MVC offers, each from a method marked
 * {@code @TrackUsage}. {@code words < 0} streams until the client leaves.
 */
@SpringBootApplication
public class StreamingApp {

  @Bean
  RecordingUsageTracker recordingUsageTracker() {
    return RecordingUsageTracker.create();
  }

  @Bean(destroyMethod = "shutdownNow")
  ExecutorService writers() {
    return Executors.newCachedThreadPool(
        r -> {
          Thread t = new Thread(r, "test-stream-writer");
          t.setDaemon(true);
          return t;
        });
  }

  @Service
  public static class Answers {
    private final ExecutorService writers;

    public Answers(ExecutorService writers) {
      this.writers = writers;
    }

    @TrackUsage(value = "sse", subject = "#user", prompt = "#question")
    public SseEmitter sse(String user, String question, int words) {
      SseEmitter emitter = new SseEmitter(60_000L);
      writers.execute(() -> write(emitter, words, null));
      return emitter;
    }

    @TrackUsage(value = "body", subject = "#user", prompt = "#question")
    public ResponseBodyEmitter body(String user, String question, int words) {
      ResponseBodyEmitter emitter = new ResponseBodyEmitter(60_000L);
      writers.execute(() -> write(emitter, words, MediaType.TEXT_PLAIN));
      return emitter;
    }

    /** Sends two words, then the application ends the stream with an error. */
    @TrackUsage(value = "broken", subject = "#user", prompt = "#question")
    public SseEmitter broken(String user, String question) {
      SseEmitter emitter = new SseEmitter(60_000L);
      writers.execute(
          () -> {
            try {
              emitter.send("word1 ");
              emitter.send("word2 ");
              emitter.completeWithError(new IllegalStateException("the model broke"));
            } catch (IOException e) {
              emitter.completeWithError(e);
            }
          });
      return emitter;
    }

    /** A subclass of SseEmitter is not relayed: tracked from its callbacks, without its text. */
    @TrackUsage(value = "custom", subject = "#user", prompt = "#question")
    public SseEmitter custom(String user, String question, int words) {
      SseEmitter emitter = new CustomEmitter();
      writers.execute(() -> write(emitter, words, null));
      return emitter;
    }

    @TrackUsage(value = "flux", subject = "#user", prompt = "#question")
    public Flux<String> flux(String user, String question, int words) {
      AtomicInteger i = new AtomicInteger();
      Flux<String> all = Flux.generate(sink -> sink.next("word" + i.incrementAndGet() + " "));
      return words < 0 ? all : all.take(words);
    }

    private static void write(ResponseBodyEmitter emitter, int words, @Nullable MediaType type) {
      try {
        for (int i = 1; words < 0 || i <= words; i++) {
          emitter.send("word" + i + " ", type);
        }
        emitter.complete();
      } catch (IOException | RuntimeException e) {
        emitter.completeWithError(e);
      }
    }
  }

  /** An application's own emitter class. */
  public static class CustomEmitter extends SseEmitter {
    CustomEmitter() {
      super(60_000L);
    }
  }

  @RestController
  public static class StreamController {
    private final Answers answers;

    public StreamController(Answers answers) {
      this.answers = answers;
    }

    @GetMapping("/sse")
    public SseEmitter sse(
        @RequestParam String user, @RequestParam String q, @RequestParam int words) {
      return answers.sse(user, q, words);
    }

    @GetMapping("/body")
    public ResponseBodyEmitter body(
        @RequestParam String user, @RequestParam String q, @RequestParam int words) {
      return answers.body(user, q, words);
    }

    @GetMapping("/broken")
    public SseEmitter broken(@RequestParam String user, @RequestParam String q) {
      return answers.broken(user, q);
    }

    @GetMapping("/custom")
    public SseEmitter custom(
        @RequestParam String user, @RequestParam String q, @RequestParam int words) {
      return answers.custom(user, q, words);
    }

    @GetMapping(value = "/flux", produces = MediaType.TEXT_EVENT_STREAM_VALUE)
    public Flux<String> flux(
        @RequestParam String user, @RequestParam String q, @RequestParam int words) {
      return answers.flux(user, q, words);
    }
  }
}

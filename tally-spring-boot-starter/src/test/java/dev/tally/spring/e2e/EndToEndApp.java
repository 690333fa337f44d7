package dev.tally.spring.e2e;

import dev.tally.core.TrackUsage;
import dev.tally.core.event.TokenUsage;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.stereotype.Service;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

/** A minimal application using the starter as a user would: one tracked service, one endpoint. */
@SpringBootApplication
public class EndToEndApp {

  public record Answer(String text, TokenUsage usage) {}

  @Service
  public static class AnswerService {
    @TrackUsage(value = "answer", subject = "#user", tokens = "#result.usage")
    public Answer answer(String user, String question) {
      return new Answer("42", TokenUsage.estimated(question.length(), 2));
    }
  }

  @RestController
  public static class AnswerController {
    private final AnswerService service;

    public AnswerController(AnswerService service) {
      this.service = service;
    }

    @GetMapping("/answer")
    public String answer(@RequestParam String user, @RequestParam String q) {
      return service.answer(user, q).text();
    }
  }
}

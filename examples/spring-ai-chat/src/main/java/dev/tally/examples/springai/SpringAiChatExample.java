package dev.tally.examples.springai;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;

/**
 * A plain Spring AI chat app: a {@code ChatClient} against any OpenAI-compatible endpoint. It has
 * no tracking code; {@code tally-spring-ai} on the class path records every call, per user.
 */
@SpringBootApplication
public class SpringAiChatExample {
  public static void main(String[] args) {
    SpringApplication.run(SpringAiChatExample.class, args);
  }
}

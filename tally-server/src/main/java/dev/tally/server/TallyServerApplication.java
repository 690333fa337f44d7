package dev.tally.server;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;

/** The reference chat-assistant server. */
@SpringBootApplication
public class TallyServerApplication {
  public static void main(String[] args) {
    SpringApplication.run(TallyServerApplication.class, args);
  }
}

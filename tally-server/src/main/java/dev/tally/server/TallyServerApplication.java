package dev.tally.server;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.context.properties.ConfigurationPropertiesScan;

/** The reference chat-assistant server. */
@SpringBootApplication
@ConfigurationPropertiesScan
public class TallyServerApplication {
  public static void main(String[] args) {
    SpringApplication.run(TallyServerApplication.class, args);
  }
}

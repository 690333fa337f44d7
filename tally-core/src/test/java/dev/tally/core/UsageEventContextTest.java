package dev.tally.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tally.core.event.UsageContext;
import dev.tally.core.event.UsageEvent;
import dev.tally.core.event.UsageValidationException;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The who/where fields are declared once, in {@link UsageContext}, the event's component. */
class UsageEventContextTest {
  private static final UsageContext ALICE =
      UsageContext.of("alice")
          .withUserEmail("alice@example.com")
          .withSessionId("s-1")
          .withTenant("acme")
          .withModel("gpt-4o-mini")
          .withProvider("openai")
          .withAttribute("route", "/chat");

  @Test
  void theBuildersFieldMethodsMakeTheSameContextAsAContext() {
    UsageEvent byFields =
        UsageEvent.builder("chat")
            .id("e1")
            .subject("alice")
            .userEmail("alice@example.com")
            .sessionId("s-1")
            .tenant("acme")
            .model("gpt-4o-mini")
            .provider("openai")
            .attribute("route", "/chat")
            .build();
    UsageEvent byContext =
        UsageEvent.builder("chat")
            .id("e1")
            .occurredAt(byFields.occurredAt())
            .context(ALICE)
            .build();

    assertThat(byFields.context()).isEqualTo(ALICE);
    assertThat(byContext).isEqualTo(byFields);
    assertThat(byContext.subject()).isEqualTo("alice");
    assertThat(byContext.model()).isEqualTo("gpt-4o-mini");
    assertThat(byContext.attributes()).isEqualTo(Map.of("route", "/chat"));
    assertThat(byContext.toBuilder().build()).isEqualTo(byContext);
  }

  @Test
  void aContextAddsItsAttributesToThoseAlreadySet() {
    UsageEvent event = UsageEvent.builder("chat").attribute("region", "eu").context(ALICE).build();

    assertThat(event.attributes()).isEqualTo(Map.of("region", "eu", "route", "/chat"));
  }

  @Test
  void theEventStillChecksEveryContextFieldNamingIt() {
    assertThatThrownBy(() -> UsageEvent.builder("chat").subject(" ").build())
        .isInstanceOf(UsageValidationException.class)
        .hasMessageStartingWith("subject must not be blank");
    assertThatThrownBy(() -> UsageEvent.builder("chat").context(ALICE.withSessionId("")).build())
        .isInstanceOf(UsageValidationException.class)
        .hasMessageStartingWith("sessionId must not be blank");
    assertThatThrownBy(
            () ->
                UsageEvent.builder("chat")
                    .context(ALICE.withModel("m".repeat(UsageEvent.MAX_FIELD_LENGTH + 1)))
                    .build())
        .isInstanceOf(UsageValidationException.class)
        .hasMessageStartingWith("model must be at most 256 characters");
    assertThatThrownBy(() -> UsageEvent.builder("chat").attribute("k", null).build())
        .isInstanceOf(UsageValidationException.class)
        .hasMessageStartingWith("attributes[k] must not be null");
  }
}

package dev.tally.core.budget;

import static dev.tally.core.budget.BudgetTestSupport.tokens;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.sun.net.httpserver.HttpServer;
import dev.tally.core.MutableClock;
import dev.tally.core.budget.BudgetTestSupport.FakeLedger;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class WebhookDeliveryTest {
  private static final String SECRET = "s3cret-s3cret-s3cret";

  record Received(String body, String signature) {}

  private final List<Received> received = new CopyOnWriteArrayList<>();
  private final AtomicInteger failuresToInject = new AtomicInteger();
  private HttpServer server;
  private AlertDispatcher dispatcher;

  private String startReceiver() throws IOException {
    server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    server.createContext(
        "/hook",
        exchange -> {
          String body =
              new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
          int status = failuresToInject.getAndUpdate(n -> Math.max(0, n - 1)) > 0 ? 503 : 204;
          if (status == 204) {
            received.add(
                new Received(body, exchange.getRequestHeaders().getFirst("Tally-Signature")));
          }
          exchange.sendResponseHeaders(status, -1);
          exchange.close();
        });
    server.start();
    return "http://127.0.0.1:" + server.getAddress().getPort() + "/hook";
  }

  @AfterEach
  void stop() {
    if (dispatcher != null) {
      dispatcher.close();
    }
    if (server != null) {
      server.stop(0);
    }
  }

  private Budget budgetWithWebhook(String url) {
    Budget plain =
        tokens(
            "daily", "alice", "100", BudgetWindow.day(ZoneId.of("UTC")), Budget.Action.ALERT_ONLY);
    return new Budget(
        plain.id(),
        plain.subject(),
        plain.measure(),
        plain.limit(),
        null,
        plain.window(),
        List.of(80),
        plain.action(),
        new Budget.Webhook(url, SECRET));
  }

  private AlertOutbox fireOneAlert(Budget budget, Clock clock) {
    BudgetRepository budgets = BudgetRepository.inMemory();
    budgets.put(budget);
    FakeLedger ledger = new FakeLedger();
    ledger.spend("alice", clock.instant(), "90");
    InMemoryAlertOutbox outbox = new InMemoryAlertOutbox();
    new BudgetEvaluator(budgets, ledger, outbox, clock).evaluate(Set.of("alice"));
    dispatcher =
        new AlertDispatcher(
            outbox,
            budgets,
            List.of(new LogAlertNotifier(), WebhookAlertNotifier.create(clock)),
            clock,
            Duration.ofMillis(20),
            Duration.ofMillis(50),
            Duration.ofMillis(200));
    return outbox;
  }

  @Test
  void aRealHttpReceiverGetsTheAlertWithAValidSignature() throws IOException {
    Budget budget = budgetWithWebhook(startReceiver());

    fireOneAlert(budget, Clock.systemUTC());

    await().atMost(Duration.ofSeconds(20)).until(() -> dispatcher.deliveredCount() == 1);
    assertThat(received).hasSize(1);
    Received delivery = received.get(0);
    assertThat(
            WebhookSignature.verify(
                SECRET,
                delivery.signature(),
                delivery.body(),
                Instant.now(),
                Duration.ofMinutes(5)))
        .isTrue();
    assertThat(
            WebhookSignature.verify(
                "wrong-secret-wrong",
                delivery.signature(),
                delivery.body(),
                Instant.now(),
                Duration.ofMinutes(5)))
        .isFalse();
    assertThat(delivery.body())
        .contains("\"threshold\":80", "\"budgetId\":\"daily\"", "\"alertId\":");
    assertThat(dispatcher.deliveredCount()).isEqualTo(1);
  }

  @Test
  void whenTheReceiverFailsTheAlertIsRetriedAndDeliveredLaterOnce() throws IOException {
    failuresToInject.set(3);
    Budget budget = budgetWithWebhook(startReceiver());

    AlertOutbox outbox = fireOneAlert(budget, Clock.systemUTC());

    await().atMost(Duration.ofSeconds(30)).until(() -> dispatcher.deliveredCount() == 1);
    assertThat(received).hasSize(1);
    assertThat(dispatcher.failedCount()).isEqualTo(3);
    AlertOutbox.Entry entry = outbox.recent(10).get(0);
    assertThat(entry.attempts()).isEqualTo(4);
    assertThat(entry.deliveredAt()).isNotNull();
    dispatcher.deliverDue();
    assertThat(received).hasSize(1);
  }

  @Test
  void aReceiverThatIsDownIsRetriedUntilItComesUp() throws IOException {
    MutableClock clock = new MutableClock(Instant.now());
    String url = startReceiver();
    int port = server.getAddress().getPort();
    server.stop(0);
    AlertOutbox outbox = fireOneAlert(budgetWithWebhook(url), clock);
    await().atMost(Duration.ofSeconds(20)).until(() -> dispatcher.failedCount() >= 1);

    server = HttpServer.create(new InetSocketAddress("127.0.0.1", port), 0);
    server.createContext(
        "/hook",
        exchange -> {
          received.add(
              new Received(
                  new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8),
                  exchange.getRequestHeaders().getFirst("Tally-Signature")));
          exchange.sendResponseHeaders(200, -1);
          exchange.close();
        });
    server.start();
    clock.advance(Duration.ofSeconds(1)); // past any backoff

    await().atMost(Duration.ofSeconds(20)).until(() -> dispatcher.deliveredCount() == 1);
    assertThat(received).hasSize(1);
    assertThat(outbox.recent(1).get(0).deliveredAt()).isNotNull();
  }

  @Test
  void signaturesRejectTamperedBodiesAndOldTimestamps() {
    Instant at = Instant.parse("2026-11-27T10:00:00Z");
    String header = WebhookSignature.sign(SECRET, at, "{\"a\":1}");

    assertThat(header).startsWith("t=" + at.getEpochSecond() + ",v1=");
    assertThat(
            WebhookSignature.verify(
                SECRET, header, "{\"a\":1}", at.plusSeconds(10), Duration.ofMinutes(5)))
        .isTrue();
    assertThat(WebhookSignature.verify(SECRET, header, "{\"a\":2}", at, Duration.ofMinutes(5)))
        .isFalse();
    assertThat(
            WebhookSignature.verify(
                SECRET, header, "{\"a\":1}", at.plusSeconds(600), Duration.ofMinutes(5)))
        .isFalse();
    assertThat(WebhookSignature.verify(SECRET, "garbage", "{}", at, Duration.ofMinutes(5)))
        .isFalse();
  }
}

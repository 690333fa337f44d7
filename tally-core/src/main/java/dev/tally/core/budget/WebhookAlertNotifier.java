package dev.tally.core.budget;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Clock;
import java.time.Duration;

/**
 * POSTs the alert as JSON to the budget's webhook, signed in the {@code Tally-Signature} header
 * (see {@link WebhookSignature}). Any status other than 2xx, a timeout or a connection failure is a
 * failed delivery, retried by the {@link AlertDispatcher}. Budgets without a webhook are skipped.
 */
public final class WebhookAlertNotifier implements AlertNotifier {
  private final HttpClient client;
  private final Clock clock;
  private final Duration timeout;

  public WebhookAlertNotifier(HttpClient client, Clock clock, Duration timeout) {
    this.client = client;
    this.clock = clock;
    this.timeout = timeout;
  }

  /** A notifier with its own HTTP client and a 10 s timeout. */
  public static WebhookAlertNotifier create(Clock clock) {
    return new WebhookAlertNotifier(
        HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build(),
        clock,
        Duration.ofSeconds(10));
  }

  @Override
  public void send(Alert alert, Budget budget) throws IOException, InterruptedException {
    Budget.Webhook webhook = budget.webhook();
    if (webhook == null) {
      return;
    }
    String body = alert.toJson();
    HttpRequest request =
        HttpRequest.newBuilder(URI.create(webhook.url()))
            .timeout(timeout)
            .header("Content-Type", "application/json")
            .header(
                WebhookSignature.HEADER,
                WebhookSignature.sign(webhook.secret(), clock.instant(), body))
            .header("Tally-Alert-Id", alert.id())
            .POST(HttpRequest.BodyPublishers.ofString(body))
            .build();
    HttpResponse<Void> response = client.send(request, HttpResponse.BodyHandlers.discarding());
    if (response.statusCode() / 100 != 2) {
      throw new IOException("webhook " + webhook.url() + " answered " + response.statusCode());
    }
  }
}

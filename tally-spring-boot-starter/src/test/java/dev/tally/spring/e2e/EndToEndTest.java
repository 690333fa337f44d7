package dev.tally.spring.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tally.core.event.UsageEvent;
import dev.tally.core.query.EventPage;
import dev.tally.core.query.EventQuery;
import dev.tally.jdbc.JdbcUsageStore;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.web.server.context.WebServerApplicationContext;
import org.springframework.context.ConfigurableApplicationContext;

/** The whole starter in a real application, over real HTTP, into a real SQLite file. */
class EndToEndTest {
  @TempDir Path dir;

  @Test
  void concurrentRequestsLeaveExactlyOneEventEachInTheSqliteStoreAfterShutdown() throws Exception {
    Path db = dir.resolve("tally.db");
    int requests = 400;
    ConfigurableApplicationContext context =
        new SpringApplicationBuilder(EndToEndApp.class)
            .properties(
                Map.<String, Object>of(
                    "server.port",
                    "0",
                    "tally.store.url",
                    "jdbc:sqlite:" + db,
                    "tally.pipeline.spool-directory",
                    dir.resolve("spool").toString(),
                    "spring.main.banner-mode",
                    "off",
                    "spring.datasource.url",
                    "jdbc:sqlite:" + dir.resolve("app.db")))
            .run();
    int port = ((WebServerApplicationContext) context).getWebServer().getPort();

    HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
    ExecutorService callers = Executors.newFixedThreadPool(16);
    List<Future<Integer>> statuses = new ArrayList<>();
    for (int i = 0; i < requests; i++) {
      URI uri =
          URI.create("http://127.0.0.1:" + port + "/answer?user=u" + (i % 7) + "&q=question" + i);
      statuses.add(
          callers.submit(
              () ->
                  client
                      .send(
                          HttpRequest.newBuilder(uri).GET().build(),
                          HttpResponse.BodyHandlers.ofString())
                      .statusCode()));
    }
    for (Future<Integer> status : statuses) {
      assertThat(status.get(60, TimeUnit.SECONDS)).isEqualTo(200);
    }
    callers.shutdown();

    context.close();

    List<UsageEvent> stored = readAll(db);
    Map<String, Long> byOperation =
        stored.stream()
            .collect(Collectors.groupingBy(UsageEvent::operation, Collectors.counting()));
    assertThat(byOperation)
        .containsEntry("http", (long) requests)
        .containsEntry("answer", (long) requests);
    assertThat(stored.stream().map(UsageEvent::id).distinct().count()).isEqualTo(2L * requests);
    assertThat(
            stored.stream()
                .filter(e -> e.operation().equals("answer"))
                .map(UsageEvent::subject)
                .distinct())
        .hasSize(7);
    assertThat(
            stored.stream()
                .filter(e -> e.operation().equals("http"))
                .map(e -> e.attributes().get("http.route"))
                .collect(Collectors.toSet()))
        .containsExactly("/answer");
    assertThat(stored.stream().collect(Collectors.toMap(UsageEvent::id, Function.identity())))
        .hasSize(2 * requests);
  }

  private static List<UsageEvent> readAll(Path db) {
    List<UsageEvent> all = new ArrayList<>();
    try (JdbcUsageStore store = JdbcUsageStore.sqlite(db)) {
      String cursor = null;
      do {
        EventPage page =
            store.events(
                EventQuery.builder(JdbcUsageStore.EARLIEST, JdbcUsageStore.LATEST)
                    .limit(EventQuery.MAX_LIMIT)
                    .cursor(cursor)
                    .build());
        all.addAll(page.events());
        cursor = page.nextCursor();
      } while (cursor != null);
    }
    return all;
  }
}

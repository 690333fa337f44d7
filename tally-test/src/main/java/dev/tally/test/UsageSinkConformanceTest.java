package dev.tally.test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;
import static org.assertj.core.api.Assertions.fail;
import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;

import dev.tally.core.event.ContentSummary;
import dev.tally.core.event.Cost;
import dev.tally.core.event.ErrorInfo;
import dev.tally.core.event.Outcome;
import dev.tally.core.event.StreamDetails;
import dev.tally.core.event.TokenUsage;
import dev.tally.core.event.UsageEvent;
import dev.tally.core.event.UsageSource;
import dev.tally.core.sink.UsageSink;
import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.assertj.core.api.SoftAssertions;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The contract every {@link UsageSink} must keep, as tests. Subclass it in your sink's test
 * sources, say how to make an empty sink and how to read back what it stored, and JUnit runs the
 * checks:
 *
 * <pre>{@code
 * class MySinkConformanceTest extends UsageSinkConformanceTest {
 *   protected UsageSink createSink() { return new MySink(freshDatabase()); }
 *   protected List<UsageEvent> storedEvents(UsageSink sink) { return ((MySink) sink).readAll(); }
 *   protected void cleanUp(UsageSink sink) { dropTables(); }
 * }
 * }</pre>
 *
 * <p>What is checked: an empty batch succeeds and stores nothing; every field survives the round
 * trip, the typed cost included (and an attribute named {@code tally.cost} stays an attribute); an
 * id is stored once however often and however it arrives (repeated batches, duplicates in one
 * batch, overlapping replays, concurrent exports); large batches work; flush completes; and after
 * shutdown an export neither throws nor hangs but fails its future.
 *
 * <p>Tolerances, so that real stores pass: {@code occurredAt} is compared at millisecond precision,
 * since stores may truncate it; {@code inputText} and {@code outputText} may read back as null, for
 * a sink that does not store captured text (the lengths must still match). Every other field must
 * read back equal, nulls as nulls. Stored events are matched by the ids each test made (random
 * UUIDs), and {@link #createSink()} must return an empty sink.
 *
 * <p>Each test creates a sink, and afterwards shuts it down (unless the test did) and calls {@link
 * #cleanUp}. Every wait is bounded; each test fails after two minutes at most.
 */
@Timeout(value = 2, unit = TimeUnit.MINUTES)
public abstract class UsageSinkConformanceTest {
  private static final Duration WAIT = Duration.ofSeconds(60);

  private @Nullable UsageSink sink;
  private boolean shutDownByTest;

  /** A new, empty sink; called before each test. */
  protected abstract UsageSink createSink() throws Exception;

  /** Every event the sink has stored, each once, read back from the sink's own storage. */
  protected abstract List<UsageEvent> storedEvents(UsageSink sink) throws Exception;

  /** Optional hook after each test, e.g. to drop tables; default does nothing. */
  protected void cleanUp(UsageSink sink) throws Exception {}

  /**
   * What the sink is expected to store for an exported event; default the event itself. A decorator
   * that changes events on purpose says how here, for example a pricing sink returns the event
   * priced by its catalog, so the round trip still checks every field.
   */
  protected UsageEvent expectedStored(UsageEvent exported) {
    return exported;
  }

  /** Creates the sink for the next check. */
  @BeforeEach
  public final void createSinkUnderTest() throws Exception {
    sink = createSink();
    assertThat(sink).as("createSink()").isNotNull();
    shutDownByTest = false;
  }

  /** Shuts the sink down, unless the check did, then calls {@link #cleanUp}. */
  @AfterEach
  public final void shutDownSinkUnderTest() throws Exception {
    UsageSink current = sink;
    if (current == null) {
      return;
    }
    sink = null;
    try {
      if (!shutDownByTest) {
        awaitSuccess(current.shutdown(), "shutdown()");
      }
    } finally {
      cleanUp(current);
    }
  }

  /** An empty batch completes successfully and changes nothing. */
  @Test
  public void exportOfEmptyBatchSucceedsAndStoresNothing() throws Exception {
    int before = storedEvents(sink()).size();

    awaitSuccess(sink().export(List.of()), "export of an empty batch");

    assertThat(storedEvents(sink())).as("stored events after an empty export").hasSize(before);
  }

  /**
   * A rich, a minimal and a cancelled stream's event read back field by field, within the
   * documented tolerances.
   */
  @Test
  public void exportedEventsAreStoredWithEveryField() throws Exception {
    UsageEvent rich = richEvent();
    UsageEvent minimal = UsageEvent.builder("conformance-minimal").id(newId()).build();
    UsageEvent cancelled = cancelledStreamEvent();

    awaitSuccess(sink().export(List.of(rich, minimal, cancelled)), "export");

    Map<String, UsageEvent> stored = storedById(List.of(rich.id(), minimal.id(), cancelled.id()));
    assertThat(stored)
        .as("stored events by id")
        .containsOnlyKeys(rich.id(), minimal.id(), cancelled.id());
    SoftAssertions softly = new SoftAssertions();
    assertSameFields(softly, expectedStored(rich), stored.get(rich.id()));
    assertSameFields(softly, expectedStored(minimal), stored.get(minimal.id()));
    assertSameFields(softly, expectedStored(cancelled), stored.get(cancelled.id()));
    softly.assertAll();
  }

  /** The same batch exported twice is stored once. */
  @Test
  public void repeatedIdsAreStoredOnce() throws Exception {
    List<UsageEvent> batch = events("conformance-repeat", 10);

    awaitSuccess(sink().export(batch), "first export");
    awaitSuccess(sink().export(batch), "second export of the same batch");

    assertStoredExactlyOnce(batch);
  }

  /** An id repeated inside one batch is stored once. */
  @Test
  public void duplicateIdsWithinOneBatchAreStoredOnce() throws Exception {
    List<UsageEvent> distinct = events("conformance-duplicate", 5);
    List<UsageEvent> batch = new ArrayList<>(distinct);
    batch.addAll(distinct);
    batch.add(distinct.get(0));

    awaitSuccess(sink().export(batch), "export of a batch with repeated ids");

    assertStoredExactlyOnce(distinct);
  }

  /** Batch A, then A and B together (a replay), stores A and B once each. */
  @Test
  public void replayingOverlappingBatchesNeverDoubleCounts() throws Exception {
    List<UsageEvent> a = events("conformance-replay-a", 10);
    List<UsageEvent> b = events("conformance-replay-b", 10);
    List<UsageEvent> aAndB = new ArrayList<>(b.subList(0, 5));
    aAndB.addAll(a);
    aAndB.addAll(b.subList(5, 10));

    awaitSuccess(sink().export(a), "export of batch A");
    awaitSuccess(sink().export(aAndB), "export of batch A and B");

    List<UsageEvent> all = new ArrayList<>(a);
    all.addAll(b);
    assertStoredExactlyOnce(all);
  }

  /** 8 threads export 25 batches of 20 events each at once; all 4,000 are stored once. */
  @Test
  public void concurrentExportsLoseNothing() throws Exception {
    int threads = 8;
    int batchesPerThread = 25;
    int eventsPerBatch = 20;
    List<List<UsageEvent>> batches =
        IntStream.range(0, threads * batchesPerThread)
            .mapToObj(i -> events("conformance-concurrent", eventsPerBatch))
            .toList();
    AtomicInteger threadIds = new AtomicInteger();
    ExecutorService pool =
        Executors.newFixedThreadPool(
            threads,
            r -> {
              Thread t = new Thread(r, "conformance-exporter-" + threadIds.incrementAndGet());
              t.setDaemon(true);
              return t;
            });
    try {
      CountDownLatch start = new CountDownLatch(1);
      List<Future<List<CompletableFuture<Void>>>> perThread = new ArrayList<>();
      for (int t = 0; t < threads; t++) {
        List<List<UsageEvent>> mine =
            batches.subList(t * batchesPerThread, (t + 1) * batchesPerThread);
        perThread.add(
            pool.submit(
                () -> {
                  if (!start.await(WAIT.toMillis(), TimeUnit.MILLISECONDS)) {
                    throw new IllegalStateException("start signal not given");
                  }
                  List<CompletableFuture<Void>> results = new ArrayList<>();
                  for (List<UsageEvent> batch : mine) {
                    results.add(sink().export(batch));
                  }
                  return results;
                }));
      }
      start.countDown();
      for (Future<List<CompletableFuture<Void>>> f : perThread) {
        for (CompletableFuture<Void> result : f.get(WAIT.toMillis(), TimeUnit.MILLISECONDS)) {
          awaitSuccess(result, "concurrent export");
        }
      }
    } finally {
      pool.shutdownNow();
    }

    assertStoredExactlyOnce(batches.stream().flatMap(List::stream).toList());
  }

  /** After shutdown, export returns a future that fails within 5 s; the call does not throw. */
  @Test
  public void exportAfterShutdownFailsWithoutThrowingOrHanging() throws Exception {
    shutDownByTest = true;
    awaitSuccess(sink().shutdown(), "shutdown()");

    CompletableFuture<Void> result =
        assertDoesNotThrow(
            () -> sink().export(events("conformance-after-shutdown", 3)),
            "export after shutdown must report failure through its future, not throw");

    assertThat(result).as("future of an export after shutdown").isNotNull();
    // Not AssertJ's failsWithin: it also passes when the future merely times out, i.e. hangs.
    Throwable outcome = catchThrowable(() -> result.get(5, TimeUnit.SECONDS));
    if (outcome == null) {
      fail("export after shutdown completed successfully; it must complete exceptionally");
    } else if (outcome instanceof TimeoutException) {
      fail("export after shutdown did not complete within 5 s; it must fail, never hang");
    }
    assertThat(outcome)
        .as("export after shutdown must complete exceptionally")
        .isInstanceOf(ExecutionException.class);
  }

  /** Flush after an export completes successfully. */
  @Test
  public void flushCompletes() throws Exception {
    List<UsageEvent> batch = events("conformance-flush", 10);
    awaitSuccess(sink().export(batch), "export");

    awaitSuccess(sink().flush(), "flush()");

    assertStoredExactlyOnce(batch);
  }

  /** One batch of 5,000 events is stored whole. */
  @Test
  public void largeBatchIsStored() throws Exception {
    List<UsageEvent> batch = events("conformance-large", 5_000);

    awaitSuccess(sink().export(batch), "export of 5,000 events");

    assertStoredExactlyOnce(batch);
  }

  // ---------------------------------------------------------------- helpers

  private UsageSink sink() {
    UsageSink current = sink;
    if (current == null) {
      throw new IllegalStateException("no sink: createSink() has not run");
    }
    return current;
  }

  private static void awaitSuccess(@Nullable CompletableFuture<Void> future, String what)
      throws Exception {
    assertThat(future).as(what + " returned a null future").isNotNull();
    assertThat(future).as(what + " must complete successfully within " + WAIT).succeedsWithin(WAIT);
  }

  private static String newId() {
    return UUID.randomUUID().toString();
  }

  private static List<UsageEvent> events(String operation, int count) {
    Instant now = Instant.now().truncatedTo(ChronoUnit.MILLIS);
    List<UsageEvent> events = new ArrayList<>(count);
    for (int i = 0; i < count; i++) {
      events.add(
          UsageEvent.builder(operation)
              .id(newId())
              .occurredAt(now)
              .subject("user-" + (i % 7))
              .tokens(TokenUsage.reported(10 + i, 20 + i))
              .duration(Duration.ofMillis(i))
              .build());
    }
    return events;
  }

  /**
   * A stream the client left: outcome CANCELLED, no error, estimated tokens, stream details, and no
   * cost yet.
   */
  private static UsageEvent cancelledStreamEvent() {
    return UsageEvent.builder("conformance-cancelled")
        .id(newId())
        .occurredAt(Instant.now().minusSeconds(30).truncatedTo(ChronoUnit.MILLIS))
        .subject("user-7")
        .model("gpt-4o-mini")
        .tokens(TokenUsage.estimated(42, 17))
        // Unpriced, with a model: a pricing decorator prices it.
        .duration(Duration.ofMillis(830))
        .cancelled()
        .attributes(
            new StreamDetails(
                    false, Duration.ofMillis(95), 17, StreamDetails.TokenBasis.ESTIMATED, "chars/4")
                .toAttributes())
        .content(ContentSummary.lengths(168, 70))
        .build();
  }

  /** An event with every field set, to a value a careless mapping would get wrong. */
  private static UsageEvent richEvent() {
    // Microsecond precision on purpose: a store may truncate it, the check allows that.
    Instant occurredAt = Instant.now().minusSeconds(90).truncatedTo(ChronoUnit.MICROS);
    return UsageEvent.builder("conformance-rich")
        .id(newId())
        .occurredAt(occurredAt)
        .subject("user-\u00e9l\u00e8ne-42")
        .userEmail("helene@example.com")
        .sessionId("session-" + newId())
        .tenant("tenant-acme")
        .model("gpt-4o-mini-2024-07-18")
        .provider("openai")
        .tokens(
            TokenUsage.builder(UsageSource.REPORTED)
                .input(1_200)
                .cachedInput(300)
                .cacheWrite(64)
                .output(450)
                .reasoning(128)
                .build())
        .cost(Cost.of(new BigDecimal("0.01234500"), "USD", "conformance-2026-01"))
        .duration(Duration.ofMillis(1_234))
        .failure(
            new ErrorInfo(
                "java.io.UncheckedIOException",
                "upstream timed out after 30 s \u2014 retry \"later\""))
        .attribute("route", "/v1/chat/{id}")
        .attribute("region", "eu-west-1")
        .attribute("note", "caf\u00e9 \u2615 100%")
        // Not a cost: an ordinary attribute, stored as one.
        .attribute("tally.cost", "99")
        .traceId("4bf92f3577b34da6a3ce929d0e0e4736")
        .content(ContentSummary.of("What is the weather in Lisbon?", "Sunny, 24 \u00b0C."))
        .build();
  }

  private static void assertSameFields(
      SoftAssertions softly, UsageEvent expected, @Nullable UsageEvent found) {
    String id = expected.id();
    if (found == null) {
      softly.fail("event " + id + " was not stored");
      return;
    }
    check(softly, id, "id", expected, found, UsageEvent::id);
    check(
        softly,
        id,
        "occurredAt (millisecond precision)",
        expected,
        found,
        e -> e.occurredAt().truncatedTo(ChronoUnit.MILLIS));
    check(softly, id, "operation", expected, found, UsageEvent::operation);
    check(softly, id, "subject", expected, found, UsageEvent::subject);
    check(softly, id, "userEmail", expected, found, UsageEvent::userEmail);
    check(softly, id, "sessionId", expected, found, UsageEvent::sessionId);
    check(softly, id, "tenant", expected, found, UsageEvent::tenant);
    check(softly, id, "model", expected, found, UsageEvent::model);
    check(softly, id, "provider", expected, found, UsageEvent::provider);
    check(softly, id, "tokens.input", expected, found, e -> e.tokens().input());
    check(softly, id, "tokens.cachedInput", expected, found, e -> e.tokens().cachedInput());
    check(softly, id, "tokens.cacheWrite", expected, found, e -> e.tokens().cacheWrite());
    check(softly, id, "tokens.output", expected, found, e -> e.tokens().output());
    check(softly, id, "tokens.reasoning", expected, found, e -> e.tokens().reasoning());
    check(softly, id, "tokens.source", expected, found, e -> e.tokens().source());
    check(softly, id, "cost", expected, found, UsageEvent::cost);
    check(softly, id, "duration", expected, found, UsageEvent::duration);
    check(softly, id, "outcome", expected, found, UsageEvent::outcome);
    check(softly, id, "error", expected, found, UsageEvent::error);
    check(softly, id, "attributes", expected, found, UsageEvent::attributes);
    check(softly, id, "traceId", expected, found, UsageEvent::traceId);
    check(softly, id, "content.inputLength", expected, found, e -> e.content().inputLength());
    check(softly, id, "content.outputLength", expected, found, e -> e.content().outputLength());
    checkTextOrNull(
        softly, id, "content.inputText", expected.content().inputText(), found.content());
    checkTextOrNull(
        softly, id, "content.outputText", expected.content().outputText(), found.content());
    if (expected.outcome() == Outcome.SUCCESS) {
      softly.assertThat(found.error()).as("event %s: error of a success", id).isNull();
    }
  }

  private static void check(
      SoftAssertions softly,
      String id,
      String field,
      UsageEvent expected,
      UsageEvent found,
      Function<UsageEvent, @Nullable Object> read) {
    softly
        .assertThat(read.apply(found))
        .as("event %s: %s read back from the sink", id, field)
        .isEqualTo(read.apply(expected));
  }

  private static void checkTextOrNull(
      SoftAssertions softly,
      String id,
      String field,
      @Nullable String expected,
      ContentSummary found) {
    String text = field.endsWith("inputText") ? found.inputText() : found.outputText();
    if (text != null) {
      softly
          .assertThat(text)
          .as("event %s: %s read back from the sink", id, field)
          .isEqualTo(expected);
    }
  }

  private Map<String, UsageEvent> storedById(List<String> ids) throws Exception {
    Set<String> wanted = new HashSet<>(ids);
    return storedEvents(sink()).stream()
        .filter(e -> wanted.contains(e.id()))
        .collect(Collectors.toMap(UsageEvent::id, e -> e, (first, second) -> first));
  }

  private void assertStoredExactlyOnce(List<UsageEvent> expected) throws Exception {
    Set<String> ids = expected.stream().map(UsageEvent::id).collect(Collectors.toSet());
    Map<String, Long> counts =
        storedEvents(sink()).stream()
            .map(UsageEvent::id)
            .filter(ids::contains)
            .collect(Collectors.groupingBy(id -> id, Collectors.counting()));
    Set<String> missing = new HashSet<>(ids);
    missing.removeAll(counts.keySet());
    Map<String, Long> duplicated =
        counts.entrySet().stream()
            .filter(e -> e.getValue() > 1)
            .collect(Collectors.toMap(Map.Entry::getKey, Map.Entry::getValue));
    assertThat(missing)
        .as("%s of %s exported events are missing from the sink", missing.size(), ids.size())
        .isEmpty();
    assertThat(duplicated).as("events stored more than once (id=count)").isEmpty();
  }
}

package dev.tally.benchmarks.jdbc;

import dev.tally.core.event.UsageEvent;
import dev.tally.jdbc.JdbcUsageStore;
import dev.tally.kafka.KafkaUsageIngester;
import dev.tally.kafka.KafkaUsageSink;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.clients.admin.NewTopic;
import org.springframework.kafka.test.EmbeddedKafkaKraftBroker;

/**
 * End to end on one machine: producers (two {@link KafkaUsageSink}s, as two API instances) → a
 * KRaft broker → 1 or 2 {@link KafkaUsageIngester}s → PostgreSQL, against the ledger's own ingest
 * (batches exported straight into a {@link JdbcUsageStore}) measured in the same run, alternating.
 * The same ~1 KB events as {@code StoreIngestBenchmark}, 5 000 users, batches of 2 000 (the
 * ingester's default poll size) for the baseline.
 *
 * <p>Arguments: events per round (default 200 000), rounds (default 2). Prints one line per
 * measurement and the ratios. Not JMH: each measurement is one timed drain of a fixed event count.
 */
public final class FleetIngestBenchmark {
  private static final int USERS = 5_000;
  private static final int PARTITIONS = 6;
  private static final AtomicInteger DATABASES = new AtomicInteger();
  // The shared build machine runs at load averages of 20-40: a 9 s delivery timeout expires.
  private static final java.time.Duration LOADED = java.time.Duration.ofSeconds(60);

  private FleetIngestBenchmark() {}

  public static void main(String[] args) throws Exception {
    int events = args.length > 0 ? Integer.parseInt(args[0]) : 200_000;
    int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 2;
    Path dir = Files.createTempDirectory("tally-fleet-bench");
    EmbeddedPostgres pg = BenchmarkEvents.startPostgres(dir.resolve("pg"), true);
    EmbeddedKafkaKraftBroker broker = new EmbeddedKafkaKraftBroker(1, PARTITIONS);
    broker.brokerProperties(Map.of("group.initial.rebalance.delay.ms", "0"));
    broker.afterPropertiesSet();
    try {
      List<UsageEvent> data = generate(events);
      System.out.printf("events %d, users %d, partitions %d%n", events, USERS, PARTITIONS);
      for (int round = 1; round <= rounds; round++) {
        double ledger = ledger(pg, data);
        double drain = drain(pg, broker, data, round);
        double one = fleet(pg, broker, data, 1, round);
        double two = fleet(pg, broker, data, 2, round);
        System.out.printf(
            "round %d: ledger %.0f ev/s | drain, 1 ingester %.0f ev/s (%.2f) | end to end, 1"
                + " ingester %.0f ev/s (%.2f) | 2 ingesters %.0f ev/s (%.2f)%n",
            round, ledger, drain, drain / ledger, one, one / ledger, two, two / ledger);
      }
    } finally {
      broker.destroy();
      pg.close();
    }
  }

  private static List<UsageEvent> generate(int count) {
    SplittableRandom r = new SplittableRandom(42);
    Clock clock = Clock.systemUTC();
    List<UsageEvent> out = new ArrayList<>(count);
    Instant at = Instant.now();
    for (int i = 0; i < count; i++) {
      out.add(BenchmarkEvents.ingestEvent(r, USERS, at, clock));
    }
    return out;
  }

  private static JdbcUsageStore freshStore(EmbeddedPostgres pg) throws Exception {
    String name = "fleet_" + DATABASES.incrementAndGet();
    BenchmarkEvents.createDatabase(pg, name);
    return JdbcUsageStore.builder().url(pg.getJdbcUrl("postgres", name)).build();
  }

  /** The ledger's own ingest: batches of 2 000 exported one after the other. */
  private static double ledger(EmbeddedPostgres pg, List<UsageEvent> data) throws Exception {
    try (JdbcUsageStore store = freshStore(pg)) {
      long start = System.nanoTime();
      int batch = KafkaUsageIngester.DEFAULT_MAX_POLL_RECORDS;
      for (int i = 0; i < data.size(); i += batch) {
        store.export(data.subList(i, Math.min(data.size(), i + batch))).get(120, TimeUnit.SECONDS);
      }
      double rate = data.size() / seconds(start);
      System.out.printf("  ledger direct: %.0f ev/s%n", rate);
      return rate;
    }
  }

  /**
   * Two producer threads send every event while the ingesters, already in their group, store them;
   * the clock stops when the ingesters have stored them all.
   */
  private static double fleet(
      EmbeddedPostgres pg,
      EmbeddedKafkaKraftBroker broker,
      List<UsageEvent> data,
      int ingesters,
      int round)
      throws Exception {
    String topic = "bench-" + round + "-" + ingesters;
    broker.addTopics(new NewTopic(topic, PARTITIONS, (short) 1));
    String bootstrap = broker.getBrokersAsString();
    List<JdbcUsageStore> stores = new ArrayList<>();
    List<KafkaUsageIngester> running = new ArrayList<>();
    try {
      JdbcUsageStore first = freshStore(pg);
      stores.add(first);
      for (int i = 0; i < ingesters; i++) {
        JdbcUsageStore store = i == 0 ? first : sameDatabase(pg);
        if (i > 0) {
          stores.add(store);
        }
        running.add(
            KafkaUsageIngester.builder(bootstrap, store)
                .topic(topic)
                .groupId(topic + "-group")
                .build());
      }
      // Wait until every ingester owns partitions, so the measurement starts with a settled group.
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
      while (running.stream().anyMatch(k -> k.stats().assignedPartitions() == 0)
          && System.nanoTime() < deadline) {
        Thread.sleep(10); // a spinning waiter would take one of the two cores
      }
      long start = System.nanoTime();
      Thread[] producers = new Thread[2];
      for (int p = 0; p < producers.length; p++) {
        int from = p * data.size() / 2;
        int to = (p + 1) * data.size() / 2;
        producers[p] =
            new Thread(
                () -> {
                  KafkaUsageSink sink =
                      KafkaUsageSink.builder(bootstrap)
                          .topic(topic)
                          .deliveryTimeout(LOADED)
                          .build();
                  try {
                    for (int i = from; i < to; i += 500) {
                      sink.export(data.subList(i, Math.min(to, i + 500))).get(60, TimeUnit.SECONDS);
                    }
                  } catch (Exception e) {
                    throw new IllegalStateException(e);
                  } finally {
                    sink.shutdown();
                  }
                },
                "bench-producer-" + p);
        producers[p].start();
      }
      for (Thread t : producers) {
        t.join();
      }
      double produced = data.size() / seconds(start);
      while (running.stream().mapToLong(k -> k.stats().stored()).sum() < data.size()) {
        Thread.sleep(10); // a spinning waiter would take one of the two cores
        if (System.nanoTime() - start > TimeUnit.MINUTES.toNanos(10)) {
          throw new IllegalStateException("ingest did not finish");
        }
      }
      double rate = data.size() / seconds(start);
      long batches = running.stream().mapToLong(k -> k.stats().batches()).sum();
      System.out.printf(
          "  kafka, %d ingester(s): %.0f ev/s end to end (producers alone finished at %.0f ev/s,"
              + " mean batch %d)%n",
          ingesters, rate, produced, data.size() / Math.max(1, batches));
      return rate;
    } finally {
      running.forEach(KafkaUsageIngester::close);
      stores.forEach(JdbcUsageStore::close);
    }
  }

  /**
   * What the Kafka path costs the ledger itself: the topic is filled first, then one ingester
   * drains it into PostgreSQL; timed from the moment it owns its partitions.
   */
  private static double drain(
      EmbeddedPostgres pg, EmbeddedKafkaKraftBroker broker, List<UsageEvent> data, int round)
      throws Exception {
    String topic = "drain-" + round;
    broker.addTopics(new NewTopic(topic, PARTITIONS, (short) 1));
    String bootstrap = broker.getBrokersAsString();
    KafkaUsageSink sink =
        KafkaUsageSink.builder(bootstrap).topic(topic).deliveryTimeout(LOADED).build();
    try {
      for (int i = 0; i < data.size(); i += 2_000) {
        sink.export(data.subList(i, Math.min(data.size(), i + 2_000))).get(60, TimeUnit.SECONDS);
      }
    } finally {
      sink.shutdown();
    }
    try (JdbcUsageStore store = freshStore(pg);
        KafkaUsageIngester ingester =
            KafkaUsageIngester.builder(bootstrap, store)
                .topic(topic)
                .groupId(topic + "-group")
                .build()) {
      while (ingester.stats().assignedPartitions() == 0) {
        Thread.sleep(1);
      }
      long start = System.nanoTime();
      long before = ingester.stats().stored();
      while (ingester.stats().stored() < data.size()) {
        Thread.sleep(10);
      }
      double rate = (data.size() - before) / seconds(start);
      System.out.printf(
          "  drain, 1 ingester: %.0f ev/s (mean batch %d)%n",
          rate, data.size() / Math.max(1, ingester.stats().batches()));
      return rate;
    }
  }

  private static JdbcUsageStore sameDatabase(EmbeddedPostgres pg) {
    String name = "fleet_" + DATABASES.get();
    return JdbcUsageStore.builder().url(pg.getJdbcUrl("postgres", name)).migrate(false).build();
  }

  private static double seconds(long startNanos) {
    return (System.nanoTime() - startNanos) / 1e9;
  }
}

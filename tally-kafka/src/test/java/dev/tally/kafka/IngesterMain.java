package dev.tally.kafka;

import dev.tally.core.event.UsageEvent;
import dev.tally.core.sink.UsageSink;
import dev.tally.jdbc.JdbcUsageStore;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;

/**
 * A child-JVM ingester for the SIGKILL test. Its sink stores each batch in PostgreSQL and, after
 * the {@code haltAfter}-th batch is committed in the store, says so and never returns: the batch is
 * in the ledger but its offsets are not committed when the parent kills this JVM.
 *
 * <p>Arguments: bootstrap servers, topic, group id, JDBC URL, haltAfter.
 */
public final class IngesterMain {
  private IngesterMain() {}

  public static void main(String[] args) throws Exception {
    String bootstrap = args[0];
    String topic = args[1];
    String group = args[2];
    String url = args[3];
    int haltAfter = Integer.parseInt(args[4]);
    JdbcUsageStore store = JdbcUsageStore.builder().url(url).migrate(false).build();
    CountDownLatch never = new CountDownLatch(1);
    UsageSink halting =
        new UsageSink() {
          private int batches;

          @Override
          public CompletableFuture<Void> export(List<UsageEvent> batch) {
            store.export(batch).join();
            batches++;
            System.out.println("STORED " + batch.size());
            if (batches == haltAfter) {
              System.out.println("STORED-NOT-COMMITTED " + batch.size());
              System.out.flush();
              try {
                never.await();
              } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
              }
            }
            return CompletableFuture.completedFuture(null);
          }
        };
    KafkaUsageIngester.builder(bootstrap, halting)
        .topic(topic)
        .groupId(group)
        .maxPollRecords(300)
        .properties(Map.copyOf(Broker.fastGroup()))
        .build();
    System.out.println("STARTED");
    System.out.flush();
    never.await();
  }
}

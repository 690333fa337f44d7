package dev.tally.kafka;

import java.util.Map;
import org.springframework.kafka.test.EmbeddedKafkaKraftBroker;

/**
 * A KRaft broker in a child JVM, so a test can stop it (SIGSTOP) and let it continue (SIGCONT) with
 * its data intact. Prints {@code BROKERS host:port}; ends when its standard input closes.
 *
 * <p>Arguments: partitions, then the topics to create.
 */
public final class BrokerMain {
  private BrokerMain() {}

  public static void main(String[] args) throws Exception {
    int partitions = Integer.parseInt(args[0]);
    String[] topics = java.util.Arrays.copyOfRange(args, 1, args.length);
    EmbeddedKafkaKraftBroker broker = new EmbeddedKafkaKraftBroker(1, partitions, topics);
    broker.brokerProperties(
        Map.of("group.initial.rebalance.delay.ms", "0", "offsets.topic.num.partitions", "4"));
    broker.afterPropertiesSet();
    System.out.println("BROKERS " + broker.getBrokersAsString());
    System.out.flush();
    while (System.in.read() != -1) {
      // wait for the parent to go away
    }
    broker.destroy();
    System.exit(0);
  }
}

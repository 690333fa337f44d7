package dev.tally.benchmarks;

import dev.tally.core.event.ContentSummary;
import dev.tally.core.event.TokenUsage;
import dev.tally.core.event.UsageEvent;
import dev.tally.core.event.UsageSource;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The cost of building a typical event with {@link UsageEvent#builder(String)}: the part of a
 * tracking call that {@link TrackHandoffBenchmark} leaves out. Building validates every field,
 * copies the attributes and, unless the caller supplies an id, generates a UUIDv7.
 *
 * <p>The values come from non-final state fields so the JIT cannot fold them into constants.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Fork(2)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
public class EventBuildBenchmark {

  /** The inputs a service has at hand when a chat call ends. */
  @State(Scope.Thread)
  public static class Inputs {
    String operation = "chat";
    String operationId = "chat-7f3a9c2e-0001";
    String subject = "user-4711";
    String sessionId = "session-2f9c1e";
    String tenant = "acme";
    String model = "gpt-4o-mini";
    String provider = "openai";
    long inputTokens = 1_180;
    long cachedInputTokens = 1_024;
    long outputTokens = 342;
    Duration duration = Duration.ofMillis(1_640);
    String route = "/api/chat";
    String plan = "pro";
    int inputLength = 412;
    int outputLength = 1_377;
  }

  /** A typical event with a generated UUIDv7 id. */
  @Benchmark
  public UsageEvent buildTypicalEvent(Inputs in) {
    return typical(in).build();
  }

  /** The same event with a caller-supplied operation id, so no UUID is generated. */
  @Benchmark
  public UsageEvent buildWithCallerId(Inputs in) {
    return typical(in).id(in.operationId).build();
  }

  private static UsageEvent.Builder typical(Inputs in) {
    return UsageEvent.builder(in.operation)
        .subject(in.subject)
        .sessionId(in.sessionId)
        .tenant(in.tenant)
        .model(in.model)
        .provider(in.provider)
        .tokens(
            TokenUsage.builder(UsageSource.REPORTED)
                .input(in.inputTokens)
                .cachedInput(in.cachedInputTokens)
                .output(in.outputTokens)
                .build())
        .duration(in.duration)
        .attribute("route", in.route)
        .attribute("plan", in.plan)
        .content(ContentSummary.lengths(in.inputLength, in.outputLength));
  }
}

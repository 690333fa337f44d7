package dev.tally.test;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tally.core.event.ContentSummary;
import dev.tally.core.event.UsageEvent;
import dev.tally.core.sink.UsageSink;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;
import org.junit.platform.engine.TestExecutionResult;
import org.junit.platform.engine.discovery.DiscoverySelectors;
import org.junit.platform.engine.support.descriptor.MethodSource;
import org.junit.platform.launcher.Launcher;
import org.junit.platform.launcher.LauncherDiscoveryRequest;
import org.junit.platform.launcher.TestExecutionListener;
import org.junit.platform.launcher.TestIdentifier;
import org.junit.platform.launcher.core.LauncherDiscoveryRequestBuilder;
import org.junit.platform.launcher.core.LauncherFactory;

/**
 * A conformance kit that passes everything proves nothing: each broken sink here must fail exactly
 * the checks for the rule it breaks. The broken kits are static nested classes, which the build's
 * test scan skips; this test runs them through the JUnit launcher.
 */
class ConformanceKitCatchesBrokenSinksTest {

  @Test
  void sinkThatCountsRepeatsTwiceFailsTheIdempotenceChecks() {
    assertThat(failedChecks(DoubleCountingKit.class))
        .containsExactlyInAnyOrder(
            "repeatedIdsAreStoredOnce",
            "duplicateIdsWithinOneBatchAreStoredOnce",
            "replayingOverlappingBatchesNeverDoubleCounts");
  }

  @Test
  void sinkThatLosesFieldsFailsTheRoundTripCheck() {
    assertThat(failedChecks(TenantLosingKit.class))
        .containsExactly("exportedEventsAreStoredWithEveryField");
  }

  @Test
  void sinkThatThrowsAfterShutdownFailsTheShutdownCheck() {
    assertThat(failedChecks(ThrowingAfterShutdownKit.class))
        .containsExactly("exportAfterShutdownFailsWithoutThrowingOrHanging");
  }

  @Test
  void sinkThatHangsAfterShutdownFailsTheShutdownCheck() {
    assertThat(failedChecks(HangingAfterShutdownKit.class))
        .containsExactly("exportAfterShutdownFailsWithoutThrowingOrHanging");
  }

  @Test
  void sinkThatDropsTextAndSubMillisecondsStillConforms() {
    assertThat(failedChecks(TextDroppingMillisecondKit.class)).isEmpty();
  }

  /** Runs a kit subclass and returns the names of the checks that failed. */
  private static List<String> failedChecks(Class<? extends UsageSinkConformanceTest> kit) {
    LauncherDiscoveryRequest request =
        LauncherDiscoveryRequestBuilder.request()
            .selectors(DiscoverySelectors.selectClass(kit))
            .build();
    Map<String, TestExecutionResult> results = new TreeMap<>();
    TestExecutionListener listener =
        new TestExecutionListener() {
          @Override
          public void executionFinished(TestIdentifier id, TestExecutionResult result) {
            if (id.isTest() && id.getSource().orElse(null) instanceof MethodSource method) {
              synchronized (results) {
                results.put(method.getMethodName(), result);
              }
            }
          }
        };
    Launcher launcher = LauncherFactory.create();
    launcher.execute(request, listener);
    long checks =
        Arrays.stream(UsageSinkConformanceTest.class.getDeclaredMethods())
            .filter(m -> m.isAnnotationPresent(Test.class))
            .count();
    assertThat(results).as("checks run for %s", kit.getSimpleName()).hasSize((int) checks);
    List<String> failed = new ArrayList<>();
    results.forEach(
        (name, result) -> {
          if (result.getStatus() != TestExecutionResult.Status.SUCCESSFUL) {
            failed.add(name);
          }
        });
    return failed;
  }

  /** What a broken sink gets wrong. */
  enum Fault {
    DOUBLE_COUNTS,
    LOSES_TENANT,
    DROPS_TEXT_AND_SUB_MILLISECONDS,
    THROWS_AFTER_SHUTDOWN,
    HANGS_AFTER_SHUTDOWN
  }

  /** A sink that keeps the contract except for one fault. */
  static final class BrokenSink implements UsageSink {
    private final Fault fault;
    private final List<UsageEvent> stored = new ArrayList<>();
    private final Set<String> ids = new HashSet<>();
    private volatile boolean shutDown;

    BrokenSink(Fault fault) {
      this.fault = fault;
    }

    @Override
    public CompletableFuture<Void> export(List<UsageEvent> batch) {
      if (shutDown) {
        switch (fault) {
          case THROWS_AFTER_SHUTDOWN:
            throw new IllegalStateException("closed");
          case HANGS_AFTER_SHUTDOWN:
            return new CompletableFuture<>();
          default:
            return CompletableFuture.failedFuture(new IllegalStateException("closed"));
        }
      }
      synchronized (this) {
        for (UsageEvent event : batch) {
          if (ids.add(event.id()) || fault == Fault.DOUBLE_COUNTS) {
            stored.add(transform(event));
          }
        }
      }
      return CompletableFuture.completedFuture(null);
    }

    private UsageEvent transform(UsageEvent event) {
      switch (fault) {
        case LOSES_TENANT:
          return event.toBuilder().tenant(null).build();
        case DROPS_TEXT_AND_SUB_MILLISECONDS:
          ContentSummary c = event.content();
          return event.toBuilder()
              .occurredAt(event.occurredAt().truncatedTo(ChronoUnit.MILLIS))
              .content(ContentSummary.lengths(c.inputLength(), c.outputLength()))
              .build();
        default:
          return event;
      }
    }

    @Override
    public CompletableFuture<Void> shutdown() {
      shutDown = true;
      return CompletableFuture.completedFuture(null);
    }

    synchronized List<UsageEvent> stored() {
      return List.copyOf(stored);
    }
  }

  abstract static class BrokenSinkKit extends UsageSinkConformanceTest {
    private final Fault fault;

    BrokenSinkKit(Fault fault) {
      this.fault = fault;
    }

    @Override
    protected UsageSink createSink() {
      return new BrokenSink(fault);
    }

    @Override
    protected List<UsageEvent> storedEvents(UsageSink sink) {
      return ((BrokenSink) sink).stored();
    }
  }

  static class DoubleCountingKit extends BrokenSinkKit {
    DoubleCountingKit() {
      super(Fault.DOUBLE_COUNTS);
    }
  }

  static class TenantLosingKit extends BrokenSinkKit {
    TenantLosingKit() {
      super(Fault.LOSES_TENANT);
    }
  }

  static class TextDroppingMillisecondKit extends BrokenSinkKit {
    TextDroppingMillisecondKit() {
      super(Fault.DROPS_TEXT_AND_SUB_MILLISECONDS);
    }
  }

  static class ThrowingAfterShutdownKit extends BrokenSinkKit {
    ThrowingAfterShutdownKit() {
      super(Fault.THROWS_AFTER_SHUTDOWN);
    }
  }

  static class HangingAfterShutdownKit extends BrokenSinkKit {
    HangingAfterShutdownKit() {
      super(Fault.HANGS_AFTER_SHUTDOWN);
    }
  }
}

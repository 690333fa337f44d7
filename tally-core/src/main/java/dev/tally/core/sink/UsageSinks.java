package dev.tally.core.sink;

import dev.tally.core.event.UsageEvent;
import dev.tally.core.internal.pipeline.SinkCalls;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.function.Function;

/** Factories for sinks. */
public final class UsageSinks {
  private UsageSinks() {}

  /**
   * A sink that exports each batch to every member. A member that throws or fails never keeps the
   * others from getting the batch. The composite completes when all members have; it fails when any
   * member failed, and the pipeline then retries the batch on all of them, which is safe because
   * members are idempotent by id. It fails with {@link UsageRejectedException} only when every
   * failing member rejected the batch.
   */
  public static UsageSink composite(List<? extends UsageSink> members) {
    if (members.isEmpty()) {
      throw new IllegalArgumentException("members must not be empty");
    }
    List<UsageSink> copy = List.copyOf(members);
    return copy.size() == 1 ? copy.get(0) : new CompositeSink(copy);
  }

  /** Calls {@code action}, turning a thrown exception or a null result into a failed future. */
  static CompletableFuture<Void> safely(
      UsageSink sink, Function<UsageSink, CompletableFuture<Void>> action) {
    return SinkCalls.safely(sink, action);
  }

  private static final class CompositeSink implements UsageSink {
    private final List<UsageSink> members;

    CompositeSink(List<UsageSink> members) {
      this.members = members;
    }

    @Override
    public CompletableFuture<Void> export(List<UsageEvent> batch) {
      return all(sink -> sink.export(batch));
    }

    @Override
    public CompletableFuture<Void> flush() {
      return all(UsageSink::flush);
    }

    @Override
    public CompletableFuture<Void> shutdown() {
      return all(UsageSink::shutdown);
    }

    @Override
    public String name() {
      List<String> names = new ArrayList<>();
      members.forEach(m -> names.add(m.name()));
      return "composite" + names;
    }

    private CompletableFuture<Void> all(Function<UsageSink, CompletableFuture<Void>> action) {
      List<CompletableFuture<Void>> results = new ArrayList<>(members.size());
      for (UsageSink member : members) {
        results.add(safely(member, action));
      }
      return CompletableFuture.allOf(results.toArray(CompletableFuture[]::new))
          .handle(
              (ok, ignored) -> {
                List<Throwable> failures = new ArrayList<>();
                for (CompletableFuture<Void> r : results) {
                  if (r.isCompletedExceptionally()) {
                    try {
                      r.join();
                    } catch (CompletionException e) {
                      failures.add(e.getCause() == null ? e : e.getCause());
                    } catch (RuntimeException e) {
                      failures.add(e);
                    }
                  }
                }
                if (failures.isEmpty()) {
                  return null;
                }
                boolean allRejected =
                    failures.stream().allMatch(f -> f instanceof UsageRejectedException);
                RuntimeException error =
                    allRejected
                        ? new UsageRejectedException(failures.get(0).getMessage())
                        : new IllegalStateException(
                            failures.size() + " of " + members.size() + " sinks failed");
                failures.forEach(error::addSuppressed);
                throw error;
              });
    }
  }
}

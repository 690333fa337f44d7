package dev.tally.jdbc;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tally.core.budget.BudgetRepository;
import dev.tally.core.budget.BudgetReservations;
import dev.tally.core.budget.ReservationStore;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

class PostgresReservationStoreTest extends ReservationStoreTest {
  private String url;

  @Override
  JdbcUsageStore openStore() {
    url = EmbeddedPg.newDatabaseUrl();
    return JdbcUsageStore.builder().url(url).clock(clock).build();
  }

  /**
   * Two instances (two stores, two connection sets, one database) send 200 concurrent requests at
   * one budget. Each reserves an estimate of 100 tokens and, once all 200 have asked, settles its
   * actual usage, drawn from 50..160 (some calls use more than estimated). The limit holds up to
   * the documented bound: committed <= limit + sum over admitted calls of max(0, actual -
   * estimate).
   */
  @Test
  void twoInstancesWith200ConcurrentRequestsStayWithinTheOvershootBound() throws Exception {
    long limit = 10_000;
    long estimate = 100;
    budgets.put(tokens("shared", "*", limit));
    try (JdbcUsageStore second = JdbcUsageStore.builder().url(url).migrate(false).build()) {
      BudgetRepository same = budgets;
      BudgetReservations one = guard();
      BudgetReservations two =
          BudgetReservations.builder(same, JdbcReservationStore.on(second)).clock(clock).build();
      int requests = 200;
      Random random = new Random(42);
      long[] actual = new long[requests];
      for (int i = 0; i < requests; i++) {
        actual[i] = 50 + random.nextInt(111);
      }
      // Each instance talks to the database through at most 16 connections at a time, as a pool
      // would; the 200 calls are all in flight at once regardless.
      java.util.concurrent.Semaphore pool1 = new java.util.concurrent.Semaphore(16);
      java.util.concurrent.Semaphore pool2 = new java.util.concurrent.Semaphore(16);
      CountDownLatch start = new CountDownLatch(1);
      CountDownLatch allAsked = new CountDownLatch(requests);
      ExecutorService pool = Executors.newFixedThreadPool(requests);
      List<Future<Boolean>> admitted = new ArrayList<>();
      try {
        for (int i = 0; i < requests; i++) {
          int n = i;
          BudgetReservations instance = n % 2 == 0 ? one : two;
          java.util.concurrent.Semaphore connections = n % 2 == 0 ? pool1 : pool2;
          admitted.add(
              pool.submit(
                  () -> {
                    start.await();
                    boolean ok;
                    connections.acquire();
                    try {
                      ok = instance.reserve("req-" + n, "user-" + n, estimate, 0).admitted();
                      if (ok) {
                        instance.dispatched("req-" + n);
                      }
                    } finally {
                      connections.release();
                    }
                    allAsked.countDown();
                    if (ok) {
                      allAsked.await(); // every admitted call is in flight at once
                      connections.acquire();
                      try {
                        instance.settle("req-" + n, actual[n], 0);
                      } finally {
                        connections.release();
                      }
                    }
                    return ok;
                  }));
        }
        start.countDown();
        long admittedCount = 0;
        long sumActual = 0;
        long bound = limit;
        for (int i = 0; i < requests; i++) {
          if (admitted.get(i).get()) {
            admittedCount++;
            sumActual += actual[i];
            bound += Math.max(0, actual[i] - estimate);
          }
        }
        ReservationStore.Account account = reservations.account("shared", DAY);
        System.out.printf(
            "reservation overshoot: admitted %d of %d, committed %d, limit %d, bound %d,"
                + " overshoot %d%n",
            admittedCount,
            requests,
            account.committed(),
            limit,
            bound,
            account.committed() - limit);
        assertThat(admittedCount).isEqualTo(limit / estimate);
        assertThat(account.reserved()).isZero();
        assertThat(account.committed()).isEqualTo(sumActual).isLessThanOrEqualTo(bound);
      } finally {
        pool.shutdownNow();
      }
    }
  }

  /** The first reservations of a window race to create its account; none may be refused for it. */
  @Test
  void concurrentFirstReservationsOfANewWindowAreAllAdmitted() throws Exception {
    budgets.put(tokens("fresh", "*", 1_000_000));
    BudgetReservations guard = guard();
    ExecutorService pool = Executors.newFixedThreadPool(16);
    try {
      CountDownLatch start = new CountDownLatch(1);
      List<Future<Boolean>> results = new ArrayList<>();
      for (int i = 0; i < 32; i++) {
        int n = i;
        results.add(
            pool.submit(
                () -> {
                  start.await();
                  return guard.reserve("first-" + n, "u", 10, 0).admitted();
                }));
      }
      start.countDown();
      for (Future<Boolean> r : results) {
        assertThat(r.get()).isTrue();
      }
      assertThat(reservations.account("fresh", DAY).reserved()).isEqualTo(320);
    } finally {
      pool.shutdownNow();
    }
  }
}

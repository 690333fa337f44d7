package dev.tally.server.gateway;

import dev.tally.server.auth.Caller;
import dev.tally.server.budget.CallReservations;
import jakarta.servlet.http.HttpServletResponse;
import org.jspecify.annotations.Nullable;

/**
 * One gateway request: who sent it, its id, and the clock of the time spent in the gateway itself
 * (everything but the waits on an upstream), for {@code x-tally-overhead-ms}. Request-scoped, used
 * by one thread at a time.
 */
final class GatewayExchange {
  static final String ATTRIBUTE = "tally.gateway.exchange";
  static final String REQUEST_ID_HEADER = "x-tally-request-id";
  static final String COST_HEADER = "x-tally-cost";
  static final String OVERHEAD_HEADER = "x-tally-overhead-ms";

  private final String requestId;
  private final long startedNanos;
  private @Nullable Caller caller;
  private @Nullable String keyId;
  private long upstreamNanos;
  private long upstreamStartedNanos;
  private CallReservations.Call reservation = CallReservations.Call.NONE;

  GatewayExchange(String requestId, long startedNanos) {
    this.requestId = requestId;
    this.startedNanos = startedNanos;
  }

  String requestId() {
    return requestId;
  }

  void authenticated(Caller who, String key) {
    this.caller = who;
    this.keyId = key;
  }

  Caller caller() {
    if (caller == null) {
      throw new IllegalStateException("not authenticated");
    }
    return caller;
  }

  String keyId() {
    if (keyId == null) {
      throw new IllegalStateException("not authenticated");
    }
    return keyId;
  }

  /** The request's reserved budget estimate (fleet-wide budgets); none until reserved. */
  void reserved(CallReservations.Call call) {
    this.reservation = call;
  }

  CallReservations.Call reservation() {
    return reservation;
  }

  /** The gateway starts waiting on an upstream. */
  void upstreamStarted() {
    upstreamStartedNanos = System.nanoTime();
  }

  /** The upstream answered (its headers, or its whole body for a plain call). */
  void upstreamAnswered() {
    if (upstreamStartedNanos != 0) {
      upstreamNanos += System.nanoTime() - upstreamStartedNanos;
      upstreamStartedNanos = 0;
    }
  }

  /** Microseconds spent in the gateway so far, upstream waits excluded. */
  long overheadMicros() {
    long now = System.nanoTime();
    long waiting = upstreamStartedNanos == 0 ? 0 : now - upstreamStartedNanos;
    return Math.max(0, now - startedNanos - upstreamNanos - waiting) / 1000;
  }

  /** Microseconds as milliseconds with three decimals, {@code 0.412}. */
  static String millis(long micros) {
    long fraction = micros % 1000;
    return micros / 1000 + (fraction < 10 ? ".00" : fraction < 100 ? ".0" : ".") + fraction;
  }

  /** Sets the overhead (and the cost, when priced) just before the response is committed. */
  void stamp(HttpServletResponse response, @Nullable String cost) {
    if (response.isCommitted()) {
      return;
    }
    if (cost != null) {
      response.setHeader(COST_HEADER, cost);
    }
    response.setHeader(OVERHEAD_HEADER, millis(overheadMicros()));
  }
}

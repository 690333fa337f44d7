package dev.tally.benchmarks.gateway;

import java.io.IOException;
import java.util.Locale;
import java.util.concurrent.ConcurrentLinkedDeque;
import org.jspecify.annotations.Nullable;

/**
 * Where {@link GatewayLoad} sends: the fake upstream directly, the gateway, or a baseline proxy
 * ({@link Floors}). Connections are kept alive and shared between phases: a {@link Client} holds
 * one while its thread sends, and gives it back when the thread is done.
 */
final class Target {
  private static final String HOST = "127.0.0.1";

  private final String label;
  private final int port;
  private final String key;
  private final long pid;
  private final ConcurrentLinkedDeque<LoadConnection> idle = new ConcurrentLinkedDeque<>();

  /**
   * @param label the first word of its phases' names ({@code direct}, {@code gateway}, ...)
   * @param key the Tally key sent as the bearer token (the fake upstream and the floors ignore it)
   * @param pid the process whose CPU its phases count; -1: none (the direct path)
   */
  Target(String label, int port, String key, long pid) {
    this.label = label;
    this.port = port;
    this.key = key;
    this.pid = pid;
  }

  String label() {
    return label;
  }

  long pid() {
    return pid;
  }

  /** A phase's name: the label padded to 8 characters, then what is measured. */
  String phase(String what) {
    return phase(label, what);
  }

  /**
   * The name of {@code label}'s phase measuring {@code what} (the summary looks phases up by it).
   */
  static String phase(String label, String what) {
    return String.format(Locale.ROOT, "%-8s%s", label, what);
  }

  /** The prepared bytes of the benchmark's chat completion, plain or streamed. */
  byte[] request(String bodyFormat, boolean stream) {
    return LoadConnection.post(
        HOST,
        port,
        "/v1/chat/completions",
        String.format(Locale.ROOT, bodyFormat, stream ? ",\"stream\":true" : ""),
        key);
  }

  /** A sender of one thread's requests on one kept-alive connection at a time. */
  Client client() {
    return new Client();
  }

  final class Client {
    private @Nullable LoadConnection held;

    /**
     * One request; null when it failed. An error or an answer that closes the connection closes it
     * (the next request opens a new one).
     */
    LoadConnection.@Nullable Answer call(byte[] request) {
      try {
        if (held == null) {
          LoadConnection c = idle.pollFirst();
          held = c != null ? c : new LoadConnection(HOST, port);
        }
        LoadConnection.Answer a = held.exchange(request);
        if (a.close()) {
          drop();
        }
        return a;
      } catch (IOException | RuntimeException e) {
        drop();
        return null;
      }
    }

    /** Gives the connection back for the next phase. */
    void release() {
      if (held != null) {
        idle.addFirst(held);
        held = null;
      }
    }

    private void drop() {
      if (held != null) {
        held.close();
        held = null;
      }
    }
  }
}

package dev.tally.server.auth;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import org.jspecify.annotations.Nullable;

/**
 * Known keys held in memory for a short time ({@code tally.server.keys.cache-ttl}, default {@value
 * dev.tally.server.ServerSettings.Keys#DEFAULT_CACHE_TTL}), so that a request with a key seen
 * moments ago costs no database query. Only known keys are held (an unknown key is looked up every
 * time, so a key created on another instance works at once, and random keys cannot fill the cache),
 * by the key's hash, never the key; at most {@value #MAX_ENTRIES} (when full it starts again
 * empty).
 *
 * <p>A key revoked through this process is dropped at once ({@link #invalidate}), also when a
 * request is loading it at that moment: a load that overlaps an invalidation is not kept. A key
 * revoked by another instance sharing the database is refused by this one once its entry is older
 * than the TTL. Expiry is checked on every request against the clock, cached or not. A TTL of zero
 * turns the cache off.
 */
final class KeyCache {
  static final int MAX_ENTRIES = 10_000;

  /** A key's owner, its public id and its expiry, as stored. */
  record Owner(Caller caller, String keyId, @Nullable Instant expiresAt) {}

  private record Entry(Owner owner, long loadedMillis) {}

  private final Map<String, Entry> entries = new ConcurrentHashMap<>();
  private final AtomicLong invalidations = new AtomicLong();
  private final long ttlMillis;
  private final Clock clock;

  /**
   * @param ttl how long a loaded key is used without asking the database again; zero: never
   * @throws IllegalArgumentException for a negative TTL
   */
  KeyCache(Duration ttl, Clock clock) {
    if (ttl.isNegative()) {
      throw new IllegalArgumentException("tally.server.keys.cache-ttl must be >= 0, was " + ttl);
    }
    this.ttlMillis = ttl.toMillis();
    this.clock = clock;
  }

  /** The owner of a key loaded less than the TTL ago; null when it must be looked up. */
  @Nullable Owner get(String hash) {
    Entry e = entries.get(hash);
    if (e == null) {
      return null;
    }
    long age = clock.millis() - e.loadedMillis();
    if (age >= ttlMillis || age < 0) { // a clock set back does not stretch the TTL
      entries.remove(hash, e);
      return null;
    }
    return e.owner();
  }

  /** Read before a lookup and passed to {@link #put}: which invalidations the lookup may miss. */
  long version() {
    return invalidations.get();
  }

  /**
   * Keeps a key found in the database, unless something was invalidated since {@code version} (the
   * lookup may have read the key before it was revoked).
   */
  void put(String hash, Owner owner, long version) {
    if (ttlMillis == 0) {
      return;
    }
    if (entries.size() >= MAX_ENTRIES) {
      entries.clear();
    }
    Entry e = new Entry(owner, clock.millis());
    entries.put(hash, e);
    // after the put: an invalidation either is seen here or runs after the put and removes it
    if (invalidations.get() != version) {
      entries.remove(hash, e);
    }
  }

  /** Drops a revoked key: the next request with it is looked up (and refused). */
  void invalidate(String keyId) {
    invalidations.incrementAndGet();
    entries.values().removeIf(e -> e.owner().keyId().equals(keyId));
  }

  /** Drops every key (keys removed in bulk). */
  void clear() {
    invalidations.incrementAndGet();
    entries.clear();
  }

  /** Keys held now. */
  int size() {
    return entries.size();
  }
}

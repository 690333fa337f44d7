package dev.tally.spring.web;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Bounds the number of distinct route values. The first {@code max} values pass; later ones fold
 * into {@link #OTHER}, so a scan of random URLs can never grow storage or metrics without bound.
 */
public final class RouteLimiter {
  public static final String OTHER = "OTHER";

  private final int max;
  private final Set<String> seen = ConcurrentHashMap.newKeySet();

  public RouteLimiter(int max) {
    if (max <= 0) {
      throw new IllegalArgumentException("maxRoutes must be > 0, was " + max);
    }
    this.max = max;
  }

  public String limit(String route) {
    if (seen.contains(route)) {
      return route;
    }
    if (seen.size() >= max) {
      return OTHER;
    }
    seen.add(route);
    return route;
  }

  /** Distinct values admitted so far. */
  public int size() {
    return seen.size();
  }
}

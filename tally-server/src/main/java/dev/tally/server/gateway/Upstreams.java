package dev.tally.server.gateway;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * The upstreams by name and the route of a model name: an alias or exact model name of an upstream
 * first, then the longest {@code prefix*} pattern. Built once from the settings; immutable.
 */
final class Upstreams {
  /** The built-in upstream's name and model. */
  static final String ECHO = "echo";

  private final Map<String, Upstream> byName;
  private final Map<String, Route> exact = new LinkedHashMap<>();
  private final List<Map.Entry<String, Upstream>> prefixes = new ArrayList<>();

  /** Where a model name goes: the upstream and the model name it is asked for. */
  record Route(Upstream upstream, String model) {}

  /**
   * @throws IllegalArgumentException when a fallback names no upstream, or names the upstream
   *     itself
   */
  Upstreams(List<Upstream> upstreams) {
    Map<String, Upstream> names = new LinkedHashMap<>();
    for (Upstream u : upstreams) {
      names.put(u.name(), u);
    }
    this.byName = Map.copyOf(names);
    for (Upstream u : upstreams) {
      String fallback = u.fallback();
      if (fallback != null && (!names.containsKey(fallback) || fallback.equals(u.name()))) {
        throw new IllegalArgumentException(
            "tally.server.gateway.upstreams."
                + u.name()
                + ".fallback must name another upstream, was '"
                + fallback
                + "'");
      }
      for (String model : u.models()) {
        if (model.endsWith("*")) {
          prefixes.add(Map.entry(model.substring(0, model.length() - 1), u));
        } else {
          exact.putIfAbsent(model, new Route(u, model));
        }
      }
      u.aliases().forEach((alias, model) -> exact.putIfAbsent(alias, new Route(u, model)));
    }
    prefixes.sort(
        Comparator.comparingInt((Map.Entry<String, Upstream> e) -> e.getKey().length()).reversed());
  }

  /** The route of a model name a client asked for. */
  Optional<Route> route(String model) {
    Route route = exact.get(model);
    if (route != null) {
      return Optional.of(route);
    }
    for (Map.Entry<String, Upstream> p : prefixes) {
      if (model.startsWith(p.getKey())) {
        return Optional.of(new Route(p.getValue(), model));
      }
    }
    return Optional.empty();
  }

  @Nullable Upstream fallbackOf(Upstream upstream) {
    String name = upstream.fallback();
    return name == null ? null : byName.get(name);
  }

  /** Model names and aliases a client can ask for (patterns left out), with their upstream. */
  Map<String, Upstream> listed() {
    Map<String, Upstream> models = new LinkedHashMap<>();
    exact.forEach((name, route) -> models.put(name, route.upstream()));
    return models;
  }
}

package dev.tally.spring;

import static dev.tally.test.TallyAssertions.assertThat;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.get;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.post;

import dev.tally.core.event.UsageEvent;
import dev.tally.spring.web.RouteLimiter;
import dev.tally.spring.web.UsageTrackingFilter;
import dev.tally.test.RecordingUsageTracker;
import jakarta.servlet.http.HttpServletRequest;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.springframework.http.HttpStatus;
import org.springframework.test.web.servlet.MockMvc;
import org.springframework.test.web.servlet.setup.MockMvcBuilders;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.server.ResponseStatusException;

class UsageTrackingFilterTest {

  @RestController
  static class Api {
    @GetMapping("/api/items/{id}")
    String item(@PathVariable String id) {
      return "item " + id;
    }

    @PostMapping("/api/echo")
    String echo(@RequestBody String body, HttpServletRequest request) {
      request.setAttribute(UsageTrackingFilter.SUBJECT_ATTRIBUTE, "keyed-user");
      return body;
    }

    @GetMapping("/api/missing")
    String missing() {
      throw new ResponseStatusException(HttpStatus.NOT_FOUND, "no such thing");
    }

    @GetMapping("/api/unavailable")
    String unavailable() {
      throw new ResponseStatusException(HttpStatus.SERVICE_UNAVAILABLE, "upstream down");
    }

    @GetMapping("/api/broken")
    String broken() {
      throw new IllegalStateException("handler bug");
    }

    @GetMapping("/api/odd-subject")
    String oddSubject(HttpServletRequest request) {
      request.setAttribute(
          UsageTrackingFilter.SUBJECT_ATTRIBUTE,
          new Object() {
            @Override
            public String toString() {
              throw new IllegalStateException("a subject that cannot be named");
            }
          });
      return "answered";
    }

    @GetMapping("/actuator/health")
    String health() {
      return "UP";
    }
  }

  private final RecordingUsageTracker tracker = RecordingUsageTracker.create();

  private MockMvc mvc(List<String> include, int maxRoutes) {
    UsageTrackingFilter filter =
        new UsageTrackingFilter(
            tracker, "http", include, List.of("/actuator/**"), "X-User-Id", maxRoutes);
    return MockMvcBuilders.standaloneSetup(new Api()).addFilters(filter).build();
  }

  private MockMvc mvc() {
    return mvc(List.of(), 200);
  }

  @Test
  void recordsMethodRouteTemplateStatusAndSizesNeverTheRawPath() throws Exception {
    mvc().perform(get("/api/items/12345"));

    assertThat(tracker)
        .singleEvent()
        .hasOperation("http")
        .isAnonymous()
        .hasAttribute("http.method", "GET")
        .hasAttribute("http.route", "/api/items/{id}")
        .hasAttribute("http.status", "200")
        .hasAttribute("http.response.size", "10")
        .succeeded();
    assertThat(tracker.last().attributes().values()).noneMatch(v -> v.contains("12345"));
  }

  @Test
  void aRequestThatCannotBeRecordedIsStillAnsweredAndTheFailureIsCounted() throws Exception {
    UsageTrackingFilter filter =
        new UsageTrackingFilter(tracker, "http", List.of(), List.of(), null, 200);
    MockMvc mvc = MockMvcBuilders.standaloneSetup(new Api()).addFilters(filter).build();

    String body =
        mvc.perform(get("/api/odd-subject")).andReturn().getResponse().getContentAsString();
    mvc.perform(get("/api/odd-subject"));

    assertThat(body).isEqualTo("answered");
    assertThat(filter.failures()).isEqualTo(2);
  }

  @Test
  void subjectComesFromTheRequestAttributeThenTheHeader() throws Exception {
    MockMvc mvc = mvc();
    mvc.perform(post("/api/echo").content("hello").contentType("text/plain"));
    mvc.perform(get("/api/items/1").header("X-User-Id", "header-user"));

    assertThat(tracker).event(0).hasSubject("keyed-user").hasAttribute("http.request.size", "5");
    assertThat(tracker).event(1).hasSubject("header-user");
  }

  @Test
  void clientAndServerErrorsAreRecordedWithTheirStatus() throws Exception {
    MockMvc mvc = mvc();
    mvc.perform(get("/api/missing"));

    mvc.perform(get("/api/unavailable"));

    assertThat(tracker).event(0).failed().hasAttribute("http.status", "404");
    assertThat(tracker.events().get(0).error().type()).isEqualTo("HTTP 404");
    assertThat(tracker).event(1).failed().hasAttribute("http.status", "503");
    assertThat(tracker.events().get(1).error().type()).isEqualTo("HTTP 503");
  }

  @Test
  void thrownExceptionsAreRecordedAs500AndStillReachTheCaller() {
    MockMvc mvc = mvc();

    assertThatThrownBy(() -> mvc.perform(get("/api/broken")))
        .hasRootCauseInstanceOf(IllegalStateException.class);

    assertThat(tracker)
        .singleEvent()
        .hasAttribute("http.status", "500")
        .failedWith(jakarta.servlet.ServletException.class);
  }

  @Test
  void excludedAndNotIncludedPathsAreNotRecorded() throws Exception {
    mvc().perform(get("/actuator/health"));
    assertThat(tracker.events()).isEmpty();

    mvc(List.of("/api/echo"), 200).perform(get("/api/items/1"));
    assertThat(tracker.events()).isEmpty();
  }

  @Test
  void prefixExclusionStopsAtAPathSegmentBoundary() throws Exception {
    mvc().perform(get("/actuator"));
    mvc().perform(get("/actuator/metrics/jvm.memory.used"));
    assertThat(tracker.events()).isEmpty();

    mvc().perform(get("/actuatorial/report"));
    assertThat(tracker).singleEvent().hasAttribute("http.route", "UNMATCHED");
  }

  @Test
  void patternWithoutWildcardsExcludesExactlyThatPath() throws Exception {
    UsageTrackingFilter filter =
        new UsageTrackingFilter(
            tracker, "http", List.of(), List.of("/error", "/api/items/*/secret"), null, 200);
    MockMvc mvc = MockMvcBuilders.standaloneSetup(new Api()).addFilters(filter).build();

    mvc.perform(get("/error"));
    mvc.perform(get("/api/items/7/secret"));
    assertThat(tracker.events()).isEmpty();

    mvc.perform(get("/errors"));
    mvc.perform(get("/error/page"));
    mvc.perform(get("/api/items/7"));
    assertThat(tracker.events()).hasSize(3);
  }

  @Test
  void tenThousandRandomPathsNeverGrowTheRouteValues() throws Exception {
    MockMvc mvc = mvc();
    for (int i = 0; i < 5_000; i++) {
      mvc.perform(get("/api/items/" + UUID.randomUUID()));
      mvc.perform(get("/random/" + UUID.randomUUID() + "/" + i));
    }

    Set<String> routes =
        tracker.events().stream()
            .map(UsageEvent::attributes)
            .map(a -> a.get("http.route"))
            .collect(Collectors.toSet());
    assertThat(tracker.events()).hasSize(10_000);
    assertThat(routes).containsExactlyInAnyOrder("/api/items/{id}", "UNMATCHED");
  }

  @Test
  void routeTemplatesBeyondTheLimitFoldIntoOther() {
    RouteLimiter limiter = new RouteLimiter(3);
    for (int i = 0; i < 10_000; i++) {
      limiter.limit("/t" + i);
    }
    assertThat(limiter.size()).isEqualTo(3);
    assertThat(limiter.limit("/t1")).isEqualTo("/t1");
    assertThat(limiter.limit("/t9999")).isEqualTo(RouteLimiter.OTHER);
    assertThatThrownBy(() -> new RouteLimiter(0)).hasMessage("maxRoutes must be > 0, was 0");
  }
}

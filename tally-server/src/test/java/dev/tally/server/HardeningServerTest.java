package dev.tally.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The server against hostile input, over real HTTP into SQLite files: bodies bounded on the stream,
 * errors as problems that name the field and no Java internals (also those Tomcat raises itself),
 * stable error codes on a user's own events, and a sweep of every documented endpoint.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
class HardeningServerTest {
  /** Java internals in a response: a package, a nested class, an exception's name. */
  static final Pattern JAVA_NAME =
      Pattern.compile(
          "(java|javax|jakarta|dev\\.tally|org\\.springframework|org\\.apache|tools\\.jackson"
              + "|com\\.fasterxml)\\.|\\$[A-Z]|Exception");

  static final long MAX_BODY = 256 * 1024;
  static final Duration WAIT = Duration.ofSeconds(15);
  static final AtomicInteger USERS = new AtomicInteger();

  @TempDir static Path data;

  @DynamicPropertySource
  static void properties(DynamicPropertyRegistry registry) {
    registry.add("spring.datasource.url", () -> "jdbc:sqlite:" + data.resolve("server.db"));
    registry.add("tally.store.url", () -> "jdbc:sqlite:" + data.resolve("tally.db"));
    registry.add("tally.pipeline.spool-directory", () -> data.resolve("spool").toString());
    registry.add("tally.pipeline.flush-interval", () -> "20ms");
    registry.add("tally.server.admin-key", () -> Api.ADMIN_KEY);
  }

  @LocalServerPort int port;

  Api api;

  @BeforeEach
  void client() {
    api = new Api(port);
  }

  static void assertProblem(Api.Response r, int status) {
    assertThat(r.status()).as(r.body()).isEqualTo(status);
    assertThat(r.contentType()).startsWith("application/problem+json");
    assertThat(r.json().path("status").asInt()).isEqualTo(status);
    assertThat(r.body()).doesNotContainPattern(JAVA_NAME);
  }

  static void assertProblem(RawHttp.Reply r, int status) {
    assertThat(r.status()).as(r.body()).isEqualTo(status);
    assertThat(r.contentType()).startsWith("application/problem+json");
    JsonNode body = JsonMapper.builder().build().readTree(r.body());
    assertThat(body.path("status").asInt()).isEqualTo(status);
    assertThat(body.path("detail").asString()).isNotBlank();
    assertThat(r.body()).doesNotContainPattern(JAVA_NAME);
  }

  /**
   * A JSON chat body of {@code size} bytes, made as it is read, counting what has been read: the
   * client sends it chunked (no Content-Length), pulling only as fast as the server reads.
   */
  static final class GeneratedBody extends InputStream {
    private static final byte[] HEAD = "{\"message\":\"".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] TAIL = "\"}".getBytes(StandardCharsets.US_ASCII);
    final long size;
    final AtomicLong pulled = new AtomicLong();

    GeneratedBody(long size) {
      this.size = size;
    }

    @Override
    public int read() {
      byte[] one = new byte[1];
      return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
    }

    @Override
    public int read(byte[] b, int off, int len) {
      long at = pulled.get();
      if (at >= size) {
        return -1;
      }
      int n = (int) Math.min(len, size - at);
      for (int i = 0; i < n; i++) {
        long p = at + i;
        b[off + i] =
            p < HEAD.length
                ? HEAD[(int) p]
                : p >= size - TAIL.length ? TAIL[(int) (p - size + TAIL.length)] : (byte) 'x';
      }
      pulled.addAndGet(n);
      return n;
    }
  }

  URI uri(String path) {
    return URI.create("http://127.0.0.1:" + port + path);
  }

  HttpResponse<String> sendChunked(String method, String path, InputStream body)
      throws IOException, InterruptedException {
    HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    HttpRequest request =
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
            .timeout(Duration.ofSeconds(60))
            .header("Content-Type", "application/json")
            .header("Authorization", "Bearer " + Api.ADMIN_KEY)
            .method(method, HttpRequest.BodyPublishers.ofInputStream(() -> body))
            .build();
    return client.send(request, HttpResponse.BodyHandlers.ofString());
  }

  /**
   * Sends a generated chunked body over the limit, reading the response while it writes (a client
   * that only reads after writing may meet the reset of the closed connection first); asserts that
   * the server stopped reading early.
   */
  RawHttp.Reply sendOversized(String method, String path, long size) {
    GeneratedBody body = new GeneratedBody(size);
    RawHttp.Reply reply =
        RawHttp.sendChunked(
            port,
            method
                + " "
                + path
                + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\nContent-Type: application/json\r\n"
                + "Authorization: Bearer "
                + Api.ADMIN_KEY
                + "\r\nTransfer-Encoding: chunked\r\n\r\n",
            body);
    // The server read the limit, Tomcat drained its swallow size, and the rest is what the
    // loopback socket buffers held: a few MB at most, against what was offered.
    assertThat(body.pulled.get()).as(path).isLessThan(Math.min(size, 16L * 1024 * 1024) + 1);
    return reply;
  }

  @Nested
  class BodyLimit {
    @Test
    void aChunkedBodyOverTheLimitIs413AfterLittleOfItIsRead() throws Exception {
      RawHttp.Reply r = sendOversized("POST", "/api/chat", 50L * 1024 * 1024);

      assertThat(r.status()).isEqualTo(413);
      assertThat(r.contentType()).startsWith("application/problem+json");
      assertThat(r.body())
          .contains("at most " + MAX_BODY + " bytes")
          .doesNotContainPattern(JAVA_NAME);
    }

    @Test
    void everyJsonEndpointHoldsAChunkedBodyToTheLimit() throws Exception {
      for (String[] endpoint :
          new String[][] {
            {"POST", "/api/chat"}, {"POST", "/api/admin/users"}, {"PUT", "/api/budgets/chunked"}
          }) {
        RawHttp.Reply r = sendOversized(endpoint[0], endpoint[1], 4L * 1024 * 1024);

        assertThat(r.status()).as(endpoint[1]).isEqualTo(413);
        assertThat(r.body()).as(endpoint[1]).contains("\"status\":413");
      }
    }

    @Test
    void aChunkedBodyNobodyReadsClosesTheConnectionSoTheNextRequestStillWorks() throws Exception {
      HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
      for (int i = 0; i < 5; i++) {
        GeneratedBody body = new GeneratedBody(1024 * 1024);
        HttpResponse<String> unread =
            client.send(
                HttpRequest.newBuilder(uri("/api/chat/sessions/nobody/summary"))
                    .header("Authorization", "Bearer " + Api.ADMIN_KEY)
                    .POST(HttpRequest.BodyPublishers.ofInputStream(() -> body))
                    .build(),
                HttpResponse.BodyHandlers.ofString());
        HttpResponse<String> next =
            client.send(
                HttpRequest.newBuilder(uri("/api/me"))
                    .header("Authorization", "Bearer " + Api.ADMIN_KEY)
                    .build(),
                HttpResponse.BodyHandlers.ofString());

        assertThat(unread.statusCode()).isEqualTo(404);
        assertThat(unread.headers().firstValue("Connection")).hasValue("close");
        assertThat(next.statusCode()).isEqualTo(200);
      }
    }

    @Test
    void aChunkedBodyUnderTheLimitIsReadWhole() throws Exception {
      GeneratedBody body = new GeneratedBody(20 * 1024);

      HttpResponse<String> r = sendChunked("POST", "/api/chat", body);

      assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
      assertThat(body.pulled.get()).isEqualTo(20 * 1024);
    }

    @Test
    void aDeclaredLengthOverTheLimitIs413BeforeAnythingIsRead() {
      Api.Response r =
          api.put(
              "/api/budgets/declared",
              Api.ADMIN_KEY,
              Map.of("subject", "x".repeat((int) MAX_BODY), "limit", 1));

      assertProblem(r, 413);
      assertThat(r.json().path("detail").asString()).startsWith("request body is");
    }
  }

  @Nested
  class Details {
    @Test
    void anEmptyBodyIs400NamingNoJavaMethod() {
      Api.Response empty = api.post("/api/chat", null, "");
      Api.Response nullBody = api.post("/api/chat", null, "null");

      assertProblem(empty, 400);
      assertThat(empty.json().path("detail").asString())
          .isEqualTo("request body must be a JSON object, and it is missing");
      assertProblem(nullBody, 400);
    }

    @Test
    void aNumberIsNotAMessage() {
      Api.Response r = api.post("/api/chat", null, "{\"message\": 123}");

      assertProblem(r, 400);
      assertThat(r.json().path("detail").asString())
          .isEqualTo("message must be a string, was a number");
      assertThat(r.body()).doesNotContain("Echo");
    }

    @Test
    void aUserIdGivenAsANumberIs400() {
      Api.Response r = api.post("/api/admin/users", Api.ADMIN_KEY, "{\"id\": 4711}");

      assertProblem(r, 400);
      assertThat(r.json().path("detail").asString()).isEqualTo("id must be a string, was a number");
    }

    @Test
    void aWrongTypeNamesTheFieldAndTheJsonTypeExpected() {
      Map<String, String> cases =
          Map.of(
              "{\"subject\": \"x\", \"limit\": \"abc\"}", "limit must be a number, was 'abc'",
              "{\"subject\": \"x\", \"limit\": 1, \"hours\": 1.5}",
                  "hours must be an integer, was a number",
              "{\"subject\": \"x\", \"limit\": 1, \"thresholds\": [50, \"a\"]}",
                  "thresholds[1] must be an integer, was 'a'",
              "{\"subject\": \"x\", \"limit\": 1, \"webhook\": {\"url\": true}}",
                  "webhook.url must be a string, was true",
              "{\"subject\": [\"x\"]}", "subject must be a string, was an array",
              "[1, 2]", "request body must be an object, was an array",
              "{\"subject\": \"x\", \"hours\": 99999999999}",
                  "hours must be an integer within its range, was a number out of range");
      cases.forEach(
          (body, detail) -> {
            Api.Response r = api.put("/api/budgets/typed", Api.ADMIN_KEY, body);
            assertProblem(r, 400);
            assertThat(r.json().path("detail").asString()).as(body).isEqualTo(detail);
          });
    }

    @Test
    void notJsonIs400SayingWhere() {
      Api.Response r = api.post("/api/chat", null, "{\"message\": \"hi\" oops}");

      assertProblem(r, 400);
      assertThat(r.json().path("detail").asString())
          .isEqualTo(
              "request body must be a valid JSON object: it is not valid JSON (line 1, column 18)");
    }

    @Test
    void aQueryParameterOfTheWrongTypeIsNamed() {
      String key = api.newUser("quinn-" + USERS.incrementAndGet());

      Api.Response mine = api.get("/api/usage/me/events?limit=abc", key);
      Api.Response events = api.get("/api/usage/events?limit=abc", Api.ADMIN_KEY);
      Api.Response alerts = api.get("/api/alerts?limit=99999999999999999999", Api.ADMIN_KEY);

      assertProblem(mine, 400);
      assertThat(mine.json().path("detail").asString())
          .isEqualTo("limit must be an integer, was 'abc'");
      assertProblem(events, 400);
      assertThat(events.json().path("detail").asString())
          .isEqualTo("limit must be an integer, was 'abc'");
      assertProblem(alerts, 400);
      assertThat(alerts.json().path("detail").asString())
          .isEqualTo("limit must be an integer, was '99999999999999999999'");
    }

    @Test
    void aQueryTomcatCannotDecodeIs400NotA500() {
      String key = api.newUser("rita-" + USERS.incrementAndGet());

      RawHttp.Reply r =
          RawHttp.send(
              port, "GET", "/api/usage/me?tz=%zz", "Authorization: Bearer " + key + "\r\n");

      assertProblem(r, 400);
      assertThat(r.body()).contains("query parameters cannot be read");
    }

    @Test
    void strictTypesLeaveWellTypedRequestsAlone() {
      String id = "sam-" + USERS.incrementAndGet();
      Api.Response budget =
          api.put(
              "/api/budgets/strict-" + id,
              Api.ADMIN_KEY,
              "{\"subject\": \""
                  + id
                  + "\", \"measure\": \"tokens\", \"limit\": 1000000,"
                  + " \"window\": \"day\", \"thresholds\": [50, 80], \"action\": \"alert_only\"}");
      String key = api.newUser(id);
      Api.Response chat = api.chat(key, "hello");

      assertThat(budget.status()).as(budget.body()).isEqualTo(200);
      assertThat(budget.json().path("thresholds").size()).isEqualTo(2);
      assertThat(chat.status()).isEqualTo(200);
      assertThat(api.delete("/api/budgets/strict-" + id, Api.ADMIN_KEY).status()).isEqualTo(204);
    }
  }

  /** Errors Tomcat answers itself, before any servlet runs; sent where HttpClient will not. */
  @Nested
  class ContainerErrors {
    @Test
    void traceIs405Problem() {
      RawHttp.Reply r = RawHttp.send(port, "TRACE", "/api/chat", "");

      assertProblem(r, 405);
      assertThat(r.body()).contains("method TRACE is not allowed");
    }

    @Test
    void encodedSlashBackslashAndNulInThePathAre400Problems() {
      for (String target : List.of("/api/chat%2F..%2Fme", "/api/%5Cme", "/api/me%00", "/api/%00")) {
        assertProblem(RawHttp.send(port, "GET", target, ""), 400);
      }
    }

    @Test
    void aRawNulOrBadMethodInTheRequestLineIs400Problem() {
      assertProblem(RawHttp.send(port, "GET", "/api/\0me", ""), 400);
      assertProblem(RawHttp.send(port, "G@T", "/api/me", ""), 400);
    }

    @Test
    void anOversizedHeaderIs400Problem() {
      RawHttp.Reply r =
          RawHttp.send(port, "GET", "/api/me", "X-Big: " + "a".repeat(20_000) + "\r\n");

      assertProblem(r, 400);
    }

    @Test
    void anUnknownTransferCodingAndAnUnknownVersionAreProblems() {
      assertProblem(RawHttp.send(port, "POST", "/api/chat", "Transfer-Encoding: gzip\r\n"), 501);
      assertProblem(
          RawHttp.send(
              port,
              "GET /api/me HTTP/9.9\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"
                  .getBytes(StandardCharsets.US_ASCII)),
          505);
    }

    @Test
    void anUnknownPathIs404Problem() {
      assertProblem(api.get("/no/such/thing", null), 404);
      assertProblem(api.get("/api/no/such/thing", Api.ADMIN_KEY), 404);
    }
  }

  @Nested
  class UserErrorCodes {
    @Test
    void aUserSeesStableCodesOnTheirEventsAndAnAdminTheClass() {
      String owner = api.newUser("tom-" + USERS.incrementAndGet());
      String ursula = "ursula-" + USERS.incrementAndGet();
      String key = api.newUser(ursula);
      String session = api.chat(owner, "mine").json().path("sessionId").asString();
      assertThat(
              api.post("/api/chat", key, Map.of("message", "let me in", "sessionId", session))
                  .status())
          .isEqualTo(404);
      assertThat(api.post("/api/chat", key, "{\"message\": 1}").status()).isEqualTo(400);

      List<String> codes = new ArrayList<>();
      await()
          .atMost(WAIT)
          .untilAsserted(
              () -> {
                codes.clear();
                // The chat events, and the middleware's own http events (listed only when asked).
                for (String operation : List.of("", "&operation=http")) {
                  api.get("/api/usage/me/events?outcome=error&limit=1000" + operation, key)
                      .json()
                      .path("events")
                      .forEach(e -> codes.add(e.path("errorType").asString()));
                }
                assertThat(codes).contains("not_found", "bad_request");
              });
      assertThat(codes).allSatisfy(code -> assertThat(code).matches("[a-z_]+"));
      List<String> types = new ArrayList<>();
      for (String operation : List.of("", "&operation=http")) {
        api.get(
                "/api/usage/events?outcome=error&limit=1000&subject=" + ursula + operation,
                Api.ADMIN_KEY)
            .json()
            .path("events")
            .forEach(e -> types.add(e.path("errorType").asString()));
      }
      assertThat(types).contains("HTTP 404", "dev.tally.server.web.ApiException");
    }
  }

  @Nested
  class OpenApi {
    @Test
    void theUsageFiltersAreSeparateQueryParameters() {
      JsonNode paths = api.get("/v3/api-docs", null).json().path("paths");

      for (String path : List.of("/api/usage", "/api/usage/me", "/api/usage/events")) {
        List<String> names = new ArrayList<>();
        paths
            .path(path)
            .path("get")
            .path("parameters")
            .forEach(
                p -> {
                  assertThat(p.path("in").asString()).isEqualTo("query");
                  assertThat(p.path("required").asBoolean(false)).isFalse();
                  names.add(p.path("name").asString());
                });
        assertThat(names)
            .as(path)
            .contains("from", "to", "operation", "model")
            .doesNotContain("query");
      }
      assertThat(paths.has("/error")).isFalse();
    }
  }

  @Nested
  class Sweep {
    @Test
    void everyDocumentedEndpointAnswersBadInputWithAProblemAndNever500() {
      BadInputSweep sweep = new BadInputSweep(port, api.get("/v3/api-docs", null).json());

      List<String> failures = new ArrayList<>();
      int requests = 0;
      for (String key : new String[] {Api.ADMIN_KEY, null}) {
        requests += sweep.run(key, failures);
      }

      assertThat(sweep.operations()).as("operations in the OpenAPI document").isGreaterThan(15);
      assertThat(requests).isGreaterThan(500);
      assertThat(failures).isEmpty();
    }
  }
}

package dev.tally.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.BooleanSupplier;
import java.util.logging.Level;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.Dimension;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.StaleElementReferenceException;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.logging.LogEntry;
import org.openqa.selenium.logging.LogType;
import org.openqa.selenium.support.ui.Select;
import org.openqa.selenium.support.ui.WebDriverWait;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import tools.jackson.databind.JsonNode;

/**
 * The dashboard in a real browser: Debian's chromium, headless, driven through chromedriver,
 * against the server on a random port with data made by real chat calls. One application context
 * and one browser serve every test. Screenshots land in {@code target/dashboard-*.png}.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
class DashboardBrowserTest {
  // Overridable only to try the skip: -Dtally.test.chromium=/nowhere.
  static final Path CHROMIUM =
      Path.of(System.getProperty("tally.test.chromium", "/usr/bin/chromium"));
  static final Path CHROMEDRIVER =
      Path.of(System.getProperty("tally.test.chromedriver", "/usr/bin/chromedriver"));
  static final String REQUIRE_BROWSER = "TALLY_REQUIRE_BROWSER";
  static final Duration WAIT = Duration.ofSeconds(20);
  static final String ALICE = "alice-dash";
  static final String BOB = "bob-dash";

  @TempDir static Path data;

  @DynamicPropertySource
  static void properties(DynamicPropertyRegistry registry) {
    registry.add("spring.datasource.url", () -> "jdbc:sqlite:" + data.resolve("server.db"));
    registry.add("tally.store.url", () -> "jdbc:sqlite:" + data.resolve("tally.db"));
    registry.add("tally.pipeline.spool-directory", () -> data.resolve("spool").toString());
    registry.add("tally.pipeline.flush-interval", () -> "20ms");
    registry.add("tally.server.admin-key", () -> Api.ADMIN_KEY);
  }

  /**
   * Without Chromium each test is skipped, naming the packages, so that the README's test command
   * works on a machine with only a JDK; with {@code TALLY_REQUIRE_BROWSER=true} (as {@code .ci/run}
   * sets) a missing browser fails them instead. (Per test, not in a {@code @BeforeAll}: Maven's
   * test report does not show a class whose setup was skipped.)
   */
  static void requireChromium() {
    String missing =
        Stream.of(CHROMIUM, CHROMEDRIVER)
            .filter(p -> !Files.isExecutable(p))
            .map(Path::toString)
            .collect(Collectors.joining(" and "));
    String message =
        missing
            + " missing, so the dashboard's browser test cannot run:"
            + " apt-get install chromium chromium-driver";
    if (Boolean.parseBoolean(System.getenv(REQUIRE_BROWSER))) {
      assertThat(missing).as("%s=true, but %s", REQUIRE_BROWSER, message).isEmpty();
    }
    assumeTrue(missing.isEmpty(), message);
  }

  @LocalServerPort int port;

  // Made once, by the first test (the server's port is known only to an instance), then shared.
  static Api api;
  static String aliceKey;
  static String bobKey;
  static @Nullable ChromeDriver browser;
  static Path downloads;

  @BeforeEach
  void startBrowserAndMakeUsageOnce() throws IOException {
    requireChromium();
    if (browser != null) {
      return;
    }
    api = new Api(port);
    aliceKey = api.newUser(ALICE);
    bobKey = api.newUser(BOB);
    // Sixteen chats fill more than one page of the events table (15 a page; their http events are
    // not listed).
    for (int i = 1; i <= 16; i++) {
      assertThat(api.chat(aliceKey, "Hello, I am Alice, message " + i).status()).isEqualTo(200);
    }
    String session = api.chat(bobKey, "Bob here").json().path("sessionId").asString();
    api.chat(bobKey, "Bob again");
    api.post("/api/chat/sessions/" + session + "/summary", bobKey);
    api.chat(null, "anonymous hello");
    // Bob leaves a streamed chat after three events (echo streams 201 words at 20 ms each).
    assertThat(new Sse(port).chat(bobKey, "word ".repeat(200).trim(), null, 3).names())
        .containsExactly("delta", "delta", "delta");
    awaitRequests(aliceKey, "operation=chat", 16);
    awaitRequests(bobKey, "operation=chat&outcome=cancelled", 1);
    awaitRequests(bobKey, "operation=summary", 1);
    await()
        .atMost(WAIT)
        .until(
            () ->
                api.get("/api/usage?subject=anonymous&operation=chat", Api.ADMIN_KEY)
                    .json()
                    .path("totals")
                    .path("requests")
                    .asLong(),
            n -> n >= 1);

    // A budget at three quarters of alice's tokens so far: her bar shows it, and its 50 % alert
    // fires at once for the admin's alert list.
    long aliceTokens =
        api.get("/api/usage/me", aliceKey).json().path("totals").path("totalTokens").asLong();
    Api.Response budget =
        api.put(
            "/api/budgets/alice-daily",
            Api.ADMIN_KEY,
            Map.of(
                "subject",
                ALICE,
                "measure",
                "TOKENS",
                "limit",
                (aliceTokens * 4 + 2) / 3,
                "window",
                "DAY",
                "thresholds",
                List.of(50, 100)));
    assertThat(budget.status()).as(budget.body()).isEqualTo(200);

    downloads = Files.createDirectories(data.resolve("downloads"));
    ChromeOptions options = new ChromeOptions();
    // Both paths explicit, so that Selenium Manager never looks for (or downloads) a browser.
    options.setBinary(CHROMIUM.toFile());
    options.addArguments(
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--user-data-dir=" + Files.createDirectories(data.resolve("chrome-profile")),
        "--window-size=1366,768",
        "--lang=en-US");
    options.setCapability("goog:loggingPrefs", Map.of(LogType.BROWSER, "ALL"));
    options.setExperimentalOption(
        "prefs",
        Map.of(
            "download.default_directory",
            downloads.toString(),
            "download.prompt_for_download",
            false));
    System.setProperty(ChromeDriverService.CHROME_DRIVER_EXE_PROPERTY, CHROMEDRIVER.toString());
    ChromeDriverService service =
        new ChromeDriverService.Builder()
            .usingDriverExecutable(CHROMEDRIVER.toFile())
            .usingAnyFreePort()
            .build();
    browser = new ChromeDriver(service, options);
    browser.manage().window().setSize(new Dimension(1366, 768));
  }

  @AfterAll
  static void stopBrowser() {
    if (browser != null) {
      browser.quit();
    }
  }

  @Test
  void theDashboardAndItsChartLibraryAreServedByThisServer() {
    Api.Response bare = api.get("/dashboard", null);
    Api.Response page = api.get("/dashboard/", null);
    Api.Response chartJs = api.get("/webjars/chart.js/dist/chart.umd.js", null);

    assertThat(bare.status()).isBetween(301, 308);
    assertThat(bare.headers().firstValue("Location").orElseThrow()).endsWith("/dashboard/");
    assertThat(page.status()).isEqualTo(200);
    assertThat(page.contentType()).startsWith("text/html");
    assertThat(page.body()).contains("Tally").doesNotContain("http://", "https://");
    assertThat(page.headers().firstValue("Content-Security-Policy").orElseThrow())
        .contains("default-src 'self'");
    assertThat(chartJs.status()).isEqualTo(200);
    assertThat(chartJs.body()).contains("Chart");
  }

  @Test
  void anInvalidKeyShowsTheApisDetailOnTheSignInForm() {
    open();

    browser.findElement(By.id("api-key")).sendKeys("tly_not-a-real-key");
    browser.findElement(By.id("signin-submit")).click();

    waitUntil(() -> !text("signin-error").isEmpty());
    assertThat(text("signin-error")).isEqualTo("the API key is not valid");
    assertThat(browser.findElement(By.id("dashboard")).isDisplayed()).isFalse();
    assertThat(script("return sessionStorage.length")).isEqualTo(0L);
  }

  @Test
  void aUserSeesTheirOwnUsageChartsBudgetAndEventsAndNothingOfOthers() throws IOException {
    signIn(aliceKey);

    assertThat(text("who-subject")).isEqualTo(ALICE);
    assertThat(browser.findElement(By.id("who-admin")).isDisplayed()).isFalse();
    assertThat(script("return sessionStorage.getItem('tally.dashboard.apiKey')"))
        .isEqualTo(aliceKey);
    assertThat(script("return localStorage.length")).isEqualTo(0L);

    for (String chart :
        List.of(
            "chart-requests", "chart-tokens", "chart-cost", "chart-models", "chart-operations")) {
      assertChartHasData(chart);
    }
    // Operations are requests; the HTTP middleware's own events are counted apart, not as a
    // model named "" or an operation beside chat.
    assertThat(chartLabels("chart-operations")).containsExactly("chat");
    assertThat(chartLabels("chart-models")).containsExactly("echo");
    assertTotalsEqualTheApis(aliceKey, "/api/usage/me");
    assertThat(text("kpi-requests-sub")).contains("HTTP request events, counted apart");
    assertThat(text("desc-models")).doesNotContain(": 0 tokens").startsWith("echo: ");

    // The admin's panels are not there, and nothing names another subject.
    assertThat(browser.findElement(By.id("subject-field")).isDisplayed()).isFalse();
    assertThat(browser.findElement(By.id("top-subjects-panel")).isDisplayed()).isFalse();
    assertThat(browser.findElement(By.id("alerts-panel")).isDisplayed()).isFalse();
    String page = browser.findElement(By.tagName("body")).getText();
    assertThat(page).contains(ALICE).doesNotContain(BOB).doesNotContain("anonymous");

    // Her budget, as a progress bar with its name.
    WebElement meter =
        browser.findElement(By.cssSelector("[data-budget-id='alice-daily'] progress"));
    assertThat(Double.parseDouble(meter.getDomProperty("value"))).isBetween(50.0, 100.0);
    assertThat(meter.getAccessibleName()).contains("alice-daily");

    // Events: only hers, newest first as the caption says, a page at a time.
    assertThat(browser.findElement(By.cssSelector("#events caption")).getText())
        .contains("newest first");
    Set<String> hers = eventIds(ALICE);
    List<String> page1 = shownEventIds();
    assertThat(page1).isNotEmpty().allMatch(hers::contains);
    assertThat(page1).isEqualTo(newestEventIds(ALICE, page1.size()));
    assertThat(browser.findElement(By.id("events-next")).isEnabled()).isTrue();
    browser.findElement(By.id("events-next")).click();
    waitUntil(() -> text("events-page").equals("Page 2"));
    waitUntil(() -> !shownEventIds().isEmpty() && !shownEventIds().equals(page1));
    assertThat(shownEventIds()).allMatch(hers::contains).doesNotContainAnyElementsOf(page1);

    // The CSV comes through a Blob URL, with the key in the header, not in a link.
    browser.findElement(By.id("download-csv")).click();
    Path csv = await().atMost(WAIT).until(this::downloadedCsv, f -> f != null);
    assertThat(Files.readString(csv))
        .startsWith("start,end,operation,model,requests,errors")
        .doesNotContain(BOB);

    browser.findElement(By.id("events-first")).click();
    waitUntil(() -> text("events-page").equals("Page 1"));
    assertNoBrowserErrors();
    screenshot("dashboard-user");
  }

  @Test
  void aStreamTheClientLeftIsShownAsCancelledApartFromErrors() {
    signIn(bobKey);

    assertTotalsEqualTheApis(bobKey, "/api/usage/me");
    assertThat(browser.findElement(By.id("kpi-requests")).getDomAttribute("data-cancelled"))
        .isEqualTo("1");
    assertThat(text("kpi-requests-sub")).contains("0 failed · 1 cancelled");
    assertThat(value("kpi-error-rate")).isEqualTo("0");
    assertThat(text("kpi-error-rate-sub")).contains("1 cancelled by the client, not errors");
    assertThat(datasetSum("chart-requests", "Cancelled")).isEqualTo(1.0);
    assertThat(datasetSum("chart-requests", "Failed")).isZero();
    assertThat(text("desc-requests")).contains("0 failed, 1 cancelled");

    // The events table names the outcome, styled apart from errors.
    List<WebElement> cancelled =
        browser.findElements(By.cssSelector("#events td.outcome-CANCELLED"));
    assertThat(cancelled).hasSize(1);
    assertThat(cancelled.get(0).getText()).isEqualTo("CANCELLED");
    assertThat(cancelled.get(0).getCssValue("color"))
        .isNotEqualTo(
            browser.findElement(By.cssSelector("#events td.outcome-SUCCESS")).getCssValue("color"));
    assertThat(browser.findElements(By.cssSelector("#events td.outcome-ERROR"))).isEmpty();
    assertNoBrowserErrors();
    screenshot("dashboard-cancelled");
  }

  @Test
  void anAdminSeesEveryoneTopSubjectsAlertsAndMayPickASubject() {
    signIn(Api.ADMIN_KEY);

    assertThat(text("who-subject")).isEqualTo("admin");
    assertThat(browser.findElement(By.id("who-admin")).isDisplayed()).isTrue();
    assertThat(browser.findElement(By.id("top-subjects-panel")).isDisplayed()).isTrue();
    assertChartHasData("chart-subjects");
    assertThat(chartLabels("chart-subjects")).contains(ALICE, BOB);
    assertTotalsEqualTheApis(Api.ADMIN_KEY, "/api/usage");
    waitUntil(() -> !browser.findElements(By.cssSelector("#alerts tbody tr")).isEmpty());
    assertThat(browser.findElement(By.id("alerts")).getText()).contains("alice-daily", ALICE);
    assertThat(browser.findElements(By.cssSelector("[data-budget-id='alice-daily'] progress")))
        .hasSize(1);
    assertNoBrowserErrors();
    screenshot("dashboard-admin");

    Select picker = new Select(browser.findElement(By.id("subject-picker")));
    assertThat(picker.getOptions()).extracting(WebElement::getText).contains(ALICE, BOB);
    expectRefresh();
    picker.selectByValue(BOB);
    awaitReady();
    assertThat(shownEventIds()).isNotEmpty().allMatch(eventIds(BOB)::contains);
    assertTotalsEqualTheApis(Api.ADMIN_KEY, "/api/usage?subject=" + BOB + "&");
  }

  // ---- helpers ---------------------------------------------------------------------------------

  private void open() {
    browser.get("http://127.0.0.1:" + port + "/dashboard");
    browser.manage().logs().get(LogType.BROWSER); // drains what earlier tests logged
    script("sessionStorage.clear()");
    browser.navigate().refresh();
    waitUntil(() -> browser.findElement(By.id("api-key")).isDisplayed());
  }

  private void signIn(String key) {
    open();
    browser.findElement(By.id("api-key")).sendKeys(key);
    browser.findElement(By.id("signin-submit")).click();
    awaitReady();
    assertThat(browser.findElement(By.id("error-banner")).isDisplayed())
        .as("error banner: %s", text("error-banner"))
        .isFalse();
  }

  private void awaitReady() {
    // A refresh sets data-ready to false at once and back to true when every panel is drawn.
    waitUntil(
        () -> {
          WebElement dashboard = browser.findElement(By.id("dashboard"));
          return dashboard.isDisplayed() && "true".equals(dashboard.getDomAttribute("data-ready"));
        });
  }

  /**
   * The totals on the page equal the API's over the page's own interval, and its breakdowns add up
   * to them. The page's own reads are not recorded, but the http event of a setup chat is tracked
   * after its response, so it may reach the ledger just after the page read it: then refresh and
   * compare again.
   */
  private void assertTotalsEqualTheApis(String key, String path) {
    String prefix = path.contains("?") ? path : path + "?";
    await()
        .atMost(WAIT)
        .untilAsserted(
            () -> {
              WebElement dashboard = browser.findElement(By.id("dashboard"));
              String query =
                  "from="
                      + encode(dashboard.getDomAttribute("data-from"))
                      + "&to="
                      + encode(dashboard.getDomAttribute("data-to"))
                      + "&tz="
                      + encode(dashboard.getDomAttribute("data-tz"));
              JsonNode report = api.get(prefix + query, key).json();
              JsonNode totals = report.path("totals");
              try {
                // The breakdowns add up to the totals: one report feeds them all.
                assertThat(chartSum("chart-operations"))
                    .isEqualTo(Double.parseDouble(value("kpi-requests")));
                assertThat(chartSum("chart-models"))
                    .isEqualTo(Double.parseDouble(value("kpi-tokens")));
                assertThat(
                        browser
                            .findElement(By.id("kpi-requests"))
                            .getDomAttribute("data-http-requests"))
                    .isEqualTo(report.path("httpRequests").asString());
                assertThat(value("kpi-requests")).isEqualTo(totals.path("requests").asString());
                assertThat(text("kpi-requests"))
                    .isEqualTo(
                        script(
                            "return new Intl.NumberFormat().format(arguments[0])",
                            totals.path("requests").asLong()));
                assertThat(new BigDecimal(value("kpi-cost")))
                    .isEqualByComparingTo(new BigDecimal(totals.path("cost").asString()));
                assertThat(text("kpi-cost")).matches(".*\\d.*").doesNotContain("NaN");
                assertThat(value("kpi-tokens")).isEqualTo(totals.path("totalTokens").asString());
              } catch (AssertionError e) {
                expectRefresh();
                browser.findElement(By.id("refresh")).click();
                awaitReady();
                throw e;
              }
            });
  }

  /** No script error, failed load or content-security-policy violation in the console. */
  private void assertNoBrowserErrors() {
    List<String> errors = new ArrayList<>();
    for (LogEntry entry : browser.manage().logs().get(LogType.BROWSER)) {
      if (entry.getLevel().intValue() >= Level.SEVERE.intValue()) {
        errors.add(entry.getMessage());
      }
    }
    assertThat(errors).as("browser console errors").isEmpty();
  }

  private void assertChartHasData(String id) {
    @SuppressWarnings("unchecked")
    Map<String, Object> chart =
        (Map<String, Object>)
            script(
                "const canvas = document.getElementById(arguments[0]);"
                    + " const chart = Chart.getChart(canvas);"
                    + " if (!chart) { return null; }"
                    + " const values = chart.data.datasets.flatMap(d => d.data);"
                    + " return {width: canvas.width, height: canvas.height, points: values.length,"
                    + " sum: values.reduce((s, v) => s + (Number(v) || 0), 0),"
                    + " label: canvas.getAttribute('aria-labelledby')};",
                id);
    assertThat(chart).as("chart %s", id).isNotNull();
    assertThat(((Number) chart.get("width")).intValue()).as("%s width", id).isPositive();
    assertThat(((Number) chart.get("height")).intValue()).as("%s height", id).isPositive();
    assertThat(((Number) chart.get("points")).intValue()).as("%s points", id).isPositive();
    assertThat(((Number) chart.get("sum")).doubleValue()).as("%s sum", id).isPositive();
    assertThat(text((String) chart.get("label"))).as("%s caption", id).isNotBlank();
  }

  private double datasetSum(String id, String label) {
    return ((Number)
            script(
                "return Chart.getChart(document.getElementById(arguments[0])).data.datasets"
                    + ".filter(d => d.label === arguments[1])"
                    + ".flatMap(d => d.data).reduce((s, v) => s + (Number(v) || 0), 0)",
                id,
                label))
        .doubleValue();
  }

  private double chartSum(String id) {
    return ((Number)
            script(
                "return Chart.getChart(document.getElementById(arguments[0])).data.datasets"
                    + ".flatMap(d => d.data).reduce((s, v) => s + (Number(v) || 0), 0)",
                id))
        .doubleValue();
  }

  /** The ids of a subject's newest events (operations only, as the page lists them). */
  private List<String> newestEventIds(String subject, int limit) {
    List<String> ids = new ArrayList<>();
    api.get(
            "/api/usage/events?order=newest&limit=" + limit + "&subject=" + encode(subject),
            Api.ADMIN_KEY)
        .json()
        .path("events")
        .forEach(e -> ids.add(e.path("id").asString()));
    return ids;
  }

  @SuppressWarnings("unchecked")
  private List<String> chartLabels(String id) {
    return (List<String>)
        script("return Chart.getChart(document.getElementById(arguments[0])).data.labels", id);
  }

  private List<String> shownEventIds() {
    List<String> ids = new ArrayList<>();
    for (WebElement row : browser.findElements(By.cssSelector("#events tbody tr"))) {
      ids.add(row.getDomAttribute("data-event-id"));
    }
    return ids;
  }

  /** Every event id of a subject, through the admin API. */
  private Set<String> eventIds(String subject) {
    Set<String> ids = new HashSet<>();
    api.get("/api/usage/events?limit=1000&subject=" + encode(subject), Api.ADMIN_KEY)
        .json()
        .path("events")
        .forEach(e -> ids.add(e.path("id").asString()));
    return ids;
  }

  private Path downloadedCsv() throws IOException {
    try (Stream<Path> files = Files.list(downloads)) {
      return files
          .filter(f -> f.getFileName().toString().endsWith(".csv"))
          .filter(f -> f.toFile().length() > 0)
          .findFirst()
          .orElse(null);
    }
  }

  private void awaitRequests(String key, String query, long requests) {
    await()
        .atMost(WAIT)
        .until(
            () -> api.get("/api/usage/me?" + query, key).json().path("totals").path("requests"),
            n -> n.asLong() >= requests);
  }

  /** A screenshot of the laptop-sized window, and one of the whole page. */
  private void screenshot(String name) {
    try {
      Path target = Path.of("target");
      Files.createDirectories(target);
      script("window.scrollTo(0, 0)");
      File shot = browser.getScreenshotAs(OutputType.FILE);
      Files.copy(shot.toPath(), target.resolve(name + ".png"), StandardCopyOption.REPLACE_EXISTING);
      long height = (Long) script("return document.documentElement.scrollHeight");
      browser.manage().window().setSize(new Dimension(1366, (int) Math.max(768, height + 140)));
      File full = browser.getScreenshotAs(OutputType.FILE);
      Files.copy(
          full.toPath(), target.resolve(name + "-full.png"), StandardCopyOption.REPLACE_EXISTING);
      browser.manage().window().setSize(new Dimension(1366, 768));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private String text(String id) {
    return browser.findElement(By.id(id)).getText();
  }

  private String value(String id) {
    return browser.findElement(By.id(id)).getDomAttribute("data-value");
  }

  private Object script(String js, Object... args) {
    return ((JavascriptExecutor) browser).executeScript(js, args);
  }

  private void waitUntil(BooleanSupplier condition) {
    new WebDriverWait(browser, WAIT)
        .ignoring(StaleElementReferenceException.class)
        .until(d -> condition.getAsBoolean());
  }

  /** Marks the page as not ready, so that waiting for ready waits for the refresh that follows. */
  private void expectRefresh() {
    script("document.getElementById('dashboard').dataset.ready = 'false'");
  }

  private static String encode(String value) {
    return URLEncoder.encode(value, StandardCharsets.UTF_8);
  }
}

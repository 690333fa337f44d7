package dev.tally.spring.autoconfigure;

import dev.tally.core.CaptureMode;
import dev.tally.core.pipeline.Durability;
import dev.tally.core.pipeline.JournalCapPolicy;
import dev.tally.core.pipeline.OverflowPolicy;
import dev.tally.core.pipeline.UsagePipeline;
import dev.tally.jdbc.SqliteLocking;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.jspecify.annotations.Nullable;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.util.unit.DataSize;

/** Everything about usage tracking, configured in one place under {@code tally.*}. */
@ConfigurationProperties("tally")
public class TallyProperties {

  /** Whether usage tracking is on. When false, only a no-op UsageTracker is provided. */
  private boolean enabled = true;

  private final Pipeline pipeline = new Pipeline();
  private final Store store = new Store();
  private final Capture capture = new Capture();
  private final Filter filter = new Filter();
  private final Events events = new Events();
  private final Metrics metrics = new Metrics();
  private final Health health = new Health();
  private final Pricing pricing = new Pricing();
  private final Budgets budgets = new Budgets();

  public boolean isEnabled() {
    return enabled;
  }

  public void setEnabled(boolean enabled) {
    this.enabled = enabled;
  }

  public Pipeline getPipeline() {
    return pipeline;
  }

  public Store getStore() {
    return store;
  }

  public Capture getCapture() {
    return capture;
  }

  public Filter getFilter() {
    return filter;
  }

  public Events getEvents() {
    return events;
  }

  public Metrics getMetrics() {
    return metrics;
  }

  public Health getHealth() {
    return health;
  }

  public Pricing getPricing() {
    return pricing;
  }

  public Budgets getBudgets() {
    return budgets;
  }

  /** The asynchronous pipeline between the request thread and the store. */
  public static class Pipeline {
    /**
     * What an event whose tracking call returned survives: MEMORY (a queue; lost on kill -9),
     * PROCESS (a memory-mapped journal, no fsync: survives kill -9 and JVM crashes) or MACHINE (the
     * journal plus a group fsync every {@code fsync-interval}: survives power loss except the last
     * interval).
     */
    private Durability durability = UsagePipeline.DEFAULT_DURABILITY;

    /** MACHINE durability: how often the journal is forced to disk. */
    private Duration fsyncInterval = UsagePipeline.Builder.DEFAULT_FSYNC_INTERVAL;

    /**
     * Where the journal lives (PROCESS, MACHINE). Unset: {@code journal/} inside {@code
     * spool-directory}.
     */
    private @Nullable Path journalDirectory;

    /**
     * The cap on the journal's files on disk; reached only when the store has been down or slow
     * long enough for the backlog to fill it.
     */
    private DataSize journalMaxSize =
        DataSize.ofBytes(UsagePipeline.Builder.DEFAULT_JOURNAL_MAX_BYTES);

    /** What an event meets at the cap: WAIT_THEN_DROP (counted) or REFUSE (counted). */
    private JournalCapPolicy journalCapPolicy = UsagePipeline.Builder.DEFAULT_JOURNAL_CAP_POLICY;

    /** WAIT_THEN_DROP: how long an event waits at the cap for room. */
    private Duration journalCapWait = UsagePipeline.Builder.DEFAULT_JOURNAL_CAP_WAIT;

    /** MEMORY durability: events held in memory before the overflow policy applies. */
    private int queueCapacity = UsagePipeline.DEFAULT_QUEUE_CAPACITY;

    /** Most events exported in one batch. */
    private int batchSize = UsagePipeline.DEFAULT_BATCH_SIZE;

    /** Longest an event waits for its batch to fill. */
    private Duration flushInterval = UsagePipeline.DEFAULT_FLUSH_INTERVAL;

    /**
     * MEMORY durability: what a full queue does: SPILL to the spool (default), BLOCK then spill, or
     * DROP (counted).
     */
    private OverflowPolicy overflow = UsagePipeline.DEFAULT_OVERFLOW_POLICY;

    /** How long BLOCK waits for room before spilling. */
    private Duration blockTimeout = UsagePipeline.DEFAULT_BLOCK_TIMEOUT;

    /** Retries of a failed export before the store counts as down. */
    private int maxRetries = UsagePipeline.DEFAULT_MAX_RETRIES;

    /** First pause between retries; doubles each time, with jitter. */
    private Duration initialBackoff = UsagePipeline.DEFAULT_INITIAL_BACKOFF;

    /** Longest pause between retries and between probes of a failing store. */
    private Duration maxBackoff = UsagePipeline.DEFAULT_MAX_BACKOFF;

    /**
     * Longest an export may take. One that runs longer is counted ({@code exportTimeouts}), its
     * batch spooled and the store marked unhealthy (health DOWN) until a later export succeeds.
     */
    private Duration exportTimeout = UsagePipeline.Builder.DEFAULT_EXPORT_TIMEOUT;

    /** On shutdown, how long to keep delivering before leaving the rest on disk. */
    private Duration shutdownTimeout = UsagePipeline.DEFAULT_SHUTDOWN_TIMEOUT;

    /**
     * The pipeline's directory: the spool (MEMORY: batches wait there while the store is down),
     * {@code dead-letter.log}, and the journal in {@code journal/}. Replayed at the next start.
     */
    private Path spoolDirectory = UsagePipeline.DEFAULT_DIRECTORY;

    /** Force every spooled record to disk (survives power loss; slower). */
    private boolean spoolFsync = false;

    public Durability getDurability() {
      return durability;
    }

    public void setDurability(Durability durability) {
      this.durability = durability;
    }

    public Duration getFsyncInterval() {
      return fsyncInterval;
    }

    public void setFsyncInterval(Duration fsyncInterval) {
      this.fsyncInterval = fsyncInterval;
    }

    public @Nullable Path getJournalDirectory() {
      return journalDirectory;
    }

    public void setJournalDirectory(@Nullable Path journalDirectory) {
      this.journalDirectory = journalDirectory;
    }

    public DataSize getJournalMaxSize() {
      return journalMaxSize;
    }

    public void setJournalMaxSize(DataSize journalMaxSize) {
      this.journalMaxSize = journalMaxSize;
    }

    public JournalCapPolicy getJournalCapPolicy() {
      return journalCapPolicy;
    }

    public void setJournalCapPolicy(JournalCapPolicy journalCapPolicy) {
      this.journalCapPolicy = journalCapPolicy;
    }

    public Duration getJournalCapWait() {
      return journalCapWait;
    }

    public void setJournalCapWait(Duration journalCapWait) {
      this.journalCapWait = journalCapWait;
    }

    public int getQueueCapacity() {
      return queueCapacity;
    }

    public void setQueueCapacity(int queueCapacity) {
      this.queueCapacity = queueCapacity;
    }

    public int getBatchSize() {
      return batchSize;
    }

    public void setBatchSize(int batchSize) {
      this.batchSize = batchSize;
    }

    public Duration getFlushInterval() {
      return flushInterval;
    }

    public void setFlushInterval(Duration flushInterval) {
      this.flushInterval = flushInterval;
    }

    public OverflowPolicy getOverflow() {
      return overflow;
    }

    public void setOverflow(OverflowPolicy overflow) {
      this.overflow = overflow;
    }

    public Duration getBlockTimeout() {
      return blockTimeout;
    }

    public void setBlockTimeout(Duration blockTimeout) {
      this.blockTimeout = blockTimeout;
    }

    public int getMaxRetries() {
      return maxRetries;
    }

    public void setMaxRetries(int maxRetries) {
      this.maxRetries = maxRetries;
    }

    public Duration getInitialBackoff() {
      return initialBackoff;
    }

    public void setInitialBackoff(Duration initialBackoff) {
      this.initialBackoff = initialBackoff;
    }

    public Duration getMaxBackoff() {
      return maxBackoff;
    }

    public void setMaxBackoff(Duration maxBackoff) {
      this.maxBackoff = maxBackoff;
    }

    public Duration getExportTimeout() {
      return exportTimeout;
    }

    public void setExportTimeout(Duration exportTimeout) {
      this.exportTimeout = exportTimeout;
    }

    public Duration getShutdownTimeout() {
      return shutdownTimeout;
    }

    public void setShutdownTimeout(Duration shutdownTimeout) {
      this.shutdownTimeout = shutdownTimeout;
    }

    public Path getSpoolDirectory() {
      return spoolDirectory;
    }

    public void setSpoolDirectory(Path spoolDirectory) {
      this.spoolDirectory = spoolDirectory;
    }

    public boolean isSpoolFsync() {
      return spoolFsync;
    }

    public void setSpoolFsync(boolean spoolFsync) {
      this.spoolFsync = spoolFsync;
    }
  }

  /** The usage ledger. */
  public static class Store {
    /**
     * JDBC URL of the ledger. Default: an SQLite file under ./data. A {@code jdbc:postgresql:} URL
     * selects PostgreSQL.
     */
    private String url = "jdbc:sqlite:data/tally.db";

    /** User name for the ledger's database, if it needs one. */
    private @Nullable String username;

    /** Password for the ledger's database, if it needs one. */
    private @Nullable String password;

    /**
     * Store the ledger in the application's own DataSource bean instead of {@code url}. Its dialect
     * is read from the connection.
     */
    private boolean useApplicationDataSource = false;

    /**
     * How many transactions write one batch at once, on separate connections, the batch split by
     * subject. Unset: 2 on PostgreSQL, 1 on SQLite (which accepts only 1).
     */
    private @Nullable Integer writers;

    /**
     * SQLite: EXCLUSIVE (default) keeps the WAL index in heap memory and locks other processes out
     * of the file, so a full disk or immutable file fails exports instead of killing the process
     * with SIGBUS; SHARED lets other processes open the file at that risk.
     */
    private SqliteLocking sqliteLocking = SqliteLocking.EXCLUSIVE;

    public SqliteLocking getSqliteLocking() {
      return sqliteLocking;
    }

    public void setSqliteLocking(SqliteLocking sqliteLocking) {
      this.sqliteLocking = sqliteLocking;
    }

    public @Nullable Integer getWriters() {
      return writers;
    }

    public void setWriters(@Nullable Integer writers) {
      this.writers = writers;
    }

    public String getUrl() {
      return url;
    }

    public void setUrl(String url) {
      this.url = url;
    }

    public @Nullable String getUsername() {
      return username;
    }

    public void setUsername(@Nullable String username) {
      this.username = username;
    }

    public @Nullable String getPassword() {
      return password;
    }

    public void setPassword(@Nullable String password) {
      this.password = password;
    }

    public boolean isUseApplicationDataSource() {
      return useApplicationDataSource;
    }

    public void setUseApplicationDataSource(boolean useApplicationDataSource) {
      this.useApplicationDataSource = useApplicationDataSource;
    }
  }

  /** What of message and response text is kept. */
  public static class Capture {
    /** NONE keeps nothing, LENGTHS (default) keeps character counts, FULL keeps redacted text. */
    private CaptureMode mode = CaptureMode.LENGTHS;

    /** Regular expressions whose matches are replaced by [REDACTED] when mode is FULL. */
    private List<String> redact = new ArrayList<>();

    public CaptureMode getMode() {
      return mode;
    }

    public void setMode(CaptureMode mode) {
      this.mode = mode;
    }

    public List<String> getRedact() {
      return redact;
    }

    public void setRedact(List<String> redact) {
      this.redact = redact;
    }
  }

  /** The HTTP middleware that records every request. */
  public static class Filter {
    /** Whether every HTTP request is recorded. */
    private boolean enabled = true;

    /** The operation name of recorded requests. */
    private String operation = "http";

    /** Filter order; runs early so that it sees errors of later filters. */
    private int order = -100;

    /** Ant-style path patterns to record; empty means all. */
    private List<String> includePatterns = new ArrayList<>();

    /** Ant-style path patterns never recorded. */
    private List<String> excludePatterns = new ArrayList<>(List.of("/actuator/**", "/error"));

    /**
     * Header that names the subject when no authenticated principal is present, for example {@code
     * X-User-Id}. Only set this behind a gateway that controls the header.
     */
    private @Nullable String subjectHeader;

    /** Most distinct route values recorded; further routes fold into "OTHER". */
    private int maxRoutes = 200;

    public boolean isEnabled() {
      return enabled;
    }

    public void setEnabled(boolean enabled) {
      this.enabled = enabled;
    }

    public String getOperation() {
      return operation;
    }

    public void setOperation(String operation) {
      this.operation = operation;
    }

    public int getOrder() {
      return order;
    }

    public void setOrder(int order) {
      this.order = order;
    }

    public List<String> getIncludePatterns() {
      return includePatterns;
    }

    public void setIncludePatterns(List<String> includePatterns) {
      this.includePatterns = includePatterns;
    }

    public List<String> getExcludePatterns() {
      return excludePatterns;
    }

    public void setExcludePatterns(List<String> excludePatterns) {
      this.excludePatterns = excludePatterns;
    }

    public @Nullable String getSubjectHeader() {
      return subjectHeader;
    }

    public void setSubjectHeader(@Nullable String subjectHeader) {
      this.subjectHeader = subjectHeader;
    }

    public int getMaxRoutes() {
      return maxRoutes;
    }

    public void setMaxRoutes(int maxRoutes) {
      this.maxRoutes = maxRoutes;
    }
  }

  /** The UsageEventBus for domain events. */
  public static class Events {
    /** Threads that run listeners. */
    private int threads = 2;

    /** Deliveries waiting for a listener thread before new ones are dropped and counted. */
    private int queueCapacity = 10_000;

    public int getThreads() {
      return threads;
    }

    public void setThreads(int threads) {
      this.threads = threads;
    }

    public int getQueueCapacity() {
      return queueCapacity;
    }

    public void setQueueCapacity(int queueCapacity) {
      this.queueCapacity = queueCapacity;
    }
  }

  /** Micrometer meters. */
  public static class Metrics {
    /** Whether usage meters (tokens, durations) are recorded. Pipeline meters are always on. */
    private boolean usage = true;

    /** Most distinct model or operation tag values; further values fold into "other". */
    private int maxTagValues = 100;

    public boolean isUsage() {
      return usage;
    }

    public void setUsage(boolean usage) {
      this.usage = usage;
    }

    public int getMaxTagValues() {
      return maxTagValues;
    }

    public void setMaxTagValues(int maxTagValues) {
      this.maxTagValues = maxTagValues;
    }
  }

  /** The health indicator. */
  public static class Health {
    /** Spool size above which health is OUT_OF_SERVICE. */
    private long maxSpoolBytes = 1L << 30;

    public long getMaxSpoolBytes() {
      return maxSpoolBytes;
    }

    public void setMaxSpoolBytes(long maxSpoolBytes) {
      this.maxSpoolBytes = maxSpoolBytes;
    }
  }

  /** The dated price catalog. */
  public static class Pricing {
    /**
     * Path of a JSON price catalog overriding the one the application ships (read by the reference
     * server; an application provides its own PriceCatalog bean).
     */
    private @Nullable Path catalog;

    public @Nullable Path getCatalog() {
      return catalog;
    }

    public void setCatalog(@Nullable Path catalog) {
      this.catalog = catalog;
    }
  }

  /** Budgets, alerts and quota enforcement. */
  public static class Budgets {
    /** Whether budgets are evaluated after each stored batch and alerts delivered. */
    private boolean enabled = true;

    /** How often the alert dispatcher looks for alerts to deliver. */
    private Duration alertPollInterval = Duration.ofSeconds(1);

    /** First pause before a failed alert delivery is retried; doubles each time, with jitter. */
    private Duration alertInitialBackoff = Duration.ofSeconds(1);

    /** Longest pause between retries of an alert delivery. */
    private Duration alertMaxBackoff = Duration.ofMinutes(5);

    public boolean isEnabled() {
      return enabled;
    }

    public void setEnabled(boolean enabled) {
      this.enabled = enabled;
    }

    public Duration getAlertPollInterval() {
      return alertPollInterval;
    }

    public void setAlertPollInterval(Duration alertPollInterval) {
      this.alertPollInterval = alertPollInterval;
    }

    public Duration getAlertInitialBackoff() {
      return alertInitialBackoff;
    }

    public void setAlertInitialBackoff(Duration alertInitialBackoff) {
      this.alertInitialBackoff = alertInitialBackoff;
    }

    public Duration getAlertMaxBackoff() {
      return alertMaxBackoff;
    }

    public void setAlertMaxBackoff(Duration alertMaxBackoff) {
      this.alertMaxBackoff = alertMaxBackoff;
    }
  }
}

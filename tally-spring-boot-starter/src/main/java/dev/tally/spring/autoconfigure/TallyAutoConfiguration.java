package dev.tally.spring.autoconfigure;

import dev.tally.core.ContentCapture;
import dev.tally.core.TokenEstimator;
import dev.tally.core.UsageEventBus;
import dev.tally.core.UsageReportable;
import dev.tally.core.UsageTracker;
import dev.tally.core.budget.BudgetEvaluatingSink;
import dev.tally.core.budget.BudgetEvaluator;
import dev.tally.core.pipeline.UsagePipeline;
import dev.tally.core.pricing.PriceCatalog;
import dev.tally.core.pricing.PricingSink;
import dev.tally.core.sink.UsageSink;
import dev.tally.jdbc.Dialect;
import dev.tally.jdbc.JdbcUsageStore;
import dev.tally.spring.event.UsageReportableListener;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Clock;
import java.util.regex.Pattern;
import javax.sql.DataSource;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * Usage tracking for a Spring Boot application (when a {@link PriceCatalog} bean exists, events are
 * priced on the pipeline worker before they are stored): a {@link UsageTracker} backed by a {@link
 * UsagePipeline} that writes to a {@link JdbcUsageStore} (an SQLite file under {@code ./data} by
 * default), a {@link UsageEventBus}, and the bridge that tracks published {@code UsageReportable}
 * events. Every bean backs off when the application defines its own. {@code tally.enabled=false}
 * leaves only a no-op tracker, so code that injects one still starts.
 */
@AutoConfiguration(
    afterName = "org.springframework.boot.jdbc.autoconfigure.DataSourceAutoConfiguration")
@EnableConfigurationProperties(TallyProperties.class)
public final class TallyAutoConfiguration {

  @Configuration(proxyBeanMethods = false)
  @ConditionalOnBooleanProperty(name = "tally.enabled", matchIfMissing = true)
  static class Enabled {

    @Bean
    @ConditionalOnMissingBean
    ContentCapture tallyContentCapture(TallyProperties properties) {
      TallyProperties.Capture capture = properties.getCapture();
      return ContentCapture.of(
          capture.getMode(), capture.getRedact().stream().map(Pattern::compile).toList());
    }

    @Bean
    @ConditionalOnMissingBean(UsageSink.class)
    JdbcUsageStore tallyUsageStore(
        TallyProperties properties,
        ObjectProvider<DataSource> dataSource,
        ObjectProvider<Clock> clock) {
      TallyProperties.Store store = properties.getStore();
      JdbcUsageStore.Builder builder =
          JdbcUsageStore.builder().clock(clock.getIfAvailable(Clock::systemUTC));
      if (store.getWriters() != null) {
        builder.writers(store.getWriters());
      }
      if (store.isUseApplicationDataSource()) {
        DataSource application = dataSource.getIfAvailable();
        if (application == null) {
          throw new IllegalStateException(
              "tally.store.use-application-data-source=true but the application has no DataSource");
        }
        builder.dataSource(application, dialectOf(application));
      } else {
        builder.url(store.getUrl()).sqliteLocking(store.getSqliteLocking());
        if (store.getUsername() != null) {
          builder.credentials(
              store.getUsername(), store.getPassword() == null ? "" : store.getPassword());
        }
      }
      return builder.build();
    }

    @Bean(destroyMethod = "close")
    @ConditionalOnMissingBean
    UsagePipeline tallyUsagePipeline(
        UsageSink sink,
        TallyProperties properties,
        ObjectProvider<TallyPipelineCustomizer> customizers,
        ObjectProvider<PriceCatalog> catalog,
        ObjectProvider<BudgetEvaluator> budgets,
        ObjectProvider<Clock> clock,
        ObjectProvider<TallyPipelineTarget> delivery) {
      TallyProperties.Pipeline p = properties.getPipeline();
      PriceCatalog prices = catalog.getIfAvailable();
      TallyPipelineTarget elsewhere = delivery.getIfAvailable();
      UsageSink base = elsewhere == null ? sink : elsewhere.sink();
      UsageSink target = prices == null ? base : new PricingSink(base, prices);
      BudgetEvaluator evaluator = budgets.getIfAvailable();
      if (evaluator != null && elsewhere == null) {
        target = new BudgetEvaluatingSink(target, evaluator);
      }
      UsagePipeline.Builder builder =
          UsagePipeline.builder(target)
              .queueCapacity(p.getQueueCapacity())
              .batchSize(p.getBatchSize())
              .flushInterval(p.getFlushInterval())
              .overflowPolicy(p.getOverflow())
              .blockTimeout(p.getBlockTimeout())
              .maxRetries(p.getMaxRetries())
              .backoff(p.getInitialBackoff(), p.getMaxBackoff())
              .exportTimeout(p.getExportTimeout())
              .shutdownTimeout(p.getShutdownTimeout())
              .spoolDirectory(p.getSpoolDirectory())
              .spoolFsync(p.isSpoolFsync())
              .durability(p.getDurability())
              .fsyncInterval(p.getFsyncInterval())
              .journalMaxBytes(p.getJournalMaxSize().toBytes())
              .journalCapPolicy(p.getJournalCapPolicy())
              .journalCapWait(p.getJournalCapWait())
              .clock(clock.getIfAvailable(Clock::systemUTC));
      if (p.getJournalDirectory() != null) {
        builder.journalDirectory(p.getJournalDirectory());
      }
      customizers.orderedStream().forEach(c -> c.customize(builder));
      return builder.build();
    }

    @Bean
    @ConditionalOnMissingBean
    UsageTracker tallyUsageTracker(
        UsagePipeline pipeline,
        ContentCapture capture,
        ObjectProvider<TallyTraceIdProvider> traceIds,
        ObjectProvider<Clock> clock,
        ObjectProvider<TokenEstimator> estimator) {
      UsageTracker.Builder builder =
          UsageTracker.builder(pipeline)
              .contentCapture(capture)
              .clock(clock.getIfAvailable(Clock::systemUTC));
      TallyTraceIdProvider provider = traceIds.getIfAvailable();
      if (provider != null) {
        builder.traceIdSupplier(provider);
      }
      // Streams without provider usage are estimated with it (e.g. tally-llm's jtokkit one).
      estimator.ifAvailable(builder::tokenEstimator);
      return builder.build();
    }

    @Bean(destroyMethod = "close")
    @ConditionalOnMissingBean
    UsageEventBus tallyUsageEventBus(TallyProperties properties) {
      return UsageEventBus.async(
          properties.getEvents().getThreads(), properties.getEvents().getQueueCapacity());
    }

    @Bean
    @ConditionalOnMissingBean
    UsageReportableListener tallyUsageReportableListener(UsageTracker tracker, UsageEventBus bus) {
      UsageReportableListener listener = new UsageReportableListener(tracker);
      bus.subscribe(UsageReportable.class, listener::onUsageReportable);
      return listener;
    }

    private static Dialect dialectOf(DataSource dataSource) {
      try (Connection connection = dataSource.getConnection()) {
        String url = connection.getMetaData().getURL();
        return Dialect.fromUrl(url);
      } catch (SQLException e) {
        throw new IllegalStateException(
            "cannot read the dialect of the application's DataSource: " + e.getMessage(), e);
      }
    }
  }

  @Configuration(proxyBeanMethods = false)
  @ConditionalOnBooleanProperty(name = "tally.enabled", havingValue = false)
  static class Disabled {

    @Bean
    @ConditionalOnMissingBean
    UsageTracker tallyUsageTracker() {
      return UsageTracker.noop();
    }
  }
}

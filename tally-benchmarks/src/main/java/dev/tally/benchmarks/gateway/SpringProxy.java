package dev.tally.benchmarks.gateway;

import jakarta.servlet.ServletOutputStream;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import org.apache.hc.client5.http.classic.methods.HttpPost;
import org.apache.hc.client5.http.config.ConnectionConfig;
import org.apache.hc.client5.http.config.RequestConfig;
import org.apache.hc.client5.http.impl.classic.CloseableHttpClient;
import org.apache.hc.client5.http.impl.classic.HttpClients;
import org.apache.hc.client5.http.impl.io.PoolingHttpClientConnectionManagerBuilder;
import org.apache.hc.core5.http.ClassicHttpResponse;
import org.apache.hc.core5.http.HttpEntity;
import org.apache.hc.core5.http.io.SocketConfig;
import org.apache.hc.core5.http.io.entity.ByteArrayEntity;
import org.apache.hc.core5.http.io.entity.EntityUtils;
import org.apache.hc.core5.util.TimeValue;
import org.apache.hc.core5.util.Timeout;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.ImportAutoConfiguration;
import org.springframework.boot.autoconfigure.context.PropertyPlaceholderAutoConfiguration;
import org.springframework.boot.http.converter.autoconfigure.HttpMessageConvertersAutoConfiguration;
import org.springframework.boot.servlet.autoconfigure.HttpEncodingAutoConfiguration;
import org.springframework.boot.tomcat.autoconfigure.servlet.TomcatServletWebServerAutoConfiguration;
import org.springframework.boot.webmvc.autoconfigure.DispatcherServletAutoConfiguration;
import org.springframework.boot.webmvc.autoconfigure.WebMvcAutoConfiguration;
import org.springframework.boot.webmvc.autoconfigure.error.ErrorMvcAutoConfiguration;
import org.springframework.context.annotation.Import;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RestController;

/**
 * The floor of the gateway's stack without its code ({@code floors=spring} in {@link GatewayLoad}):
 * Spring Boot with Tomcat and Spring MVC, as tally-server has them (the same defaults: 200 request
 * threads, NIO connector), one {@code POST /v1/chat/completions} that reads the body as bytes and
 * forwards it with the upstream client the gateway uses (Apache HttpClient 5's blocking client over
 * a pool of kept-alive connections, configured as tally-server's {@code UpstreamHttp}: no check of
 * idle connections, no retries, redirects, compression, cookies or connection state; a copy of its
 * settings on purpose, since this module cannot link the server's repackaged jar: change both
 * together). A plain answer is read whole and written back with its length; a streamed one is
 * copied through as its bytes arrive, flushed whenever no more of them are waiting (as the
 * gateway's relay does). No Tally, no JSON parsing, no filters but Spring MVC's defaults.
 *
 * <p>Only the auto-configurations of the web server and Spring MVC are imported, not every one on
 * the benchmark module's class path (which holds Tally's starter, data sources and Kafka).
 *
 * <p>{@code java -cp <module class path> dev.tally.benchmarks.gateway.SpringProxy
 * --server.port=<port> --proxy.upstream=http://127.0.0.1:<port>/v1}
 */
@SpringBootConfiguration
@ImportAutoConfiguration({
  PropertyPlaceholderAutoConfiguration.class,
  TomcatServletWebServerAutoConfiguration.class,
  DispatcherServletAutoConfiguration.class,
  WebMvcAutoConfiguration.class,
  HttpMessageConvertersAutoConfiguration.class,
  HttpEncodingAutoConfiguration.class,
  ErrorMvcAutoConfiguration.class
})
@Import(SpringProxy.Forward.class)
public class SpringProxy {
  public static void main(String[] args) {
    SpringApplication app = new SpringApplication(SpringProxy.class);
    app.setDefaultProperties(
        Map.of("spring.main.banner-mode", "off", "logging.level.root", "WARN"));
    app.run(args);
  }

  /** The one endpoint. */
  @RestController
  static class Forward implements AutoCloseable {
    private static final byte[] STREAM_FLAG = "\"stream\":true".getBytes(StandardCharsets.UTF_8);

    private final CloseableHttpClient http;
    private final URI uri;

    Forward(@Value("${proxy.upstream}") String upstream) {
      this.uri = URI.create(upstream + "/chat/completions");
      Timeout connect = Timeout.of(Duration.ofSeconds(10));
      Timeout read = Timeout.of(Duration.ofSeconds(300));
      this.http =
          HttpClients.custom()
              .setConnectionManager(
                  PoolingHttpClientConnectionManagerBuilder.create()
                      .setMaxConnTotal(1024)
                      .setMaxConnPerRoute(1024)
                      .setDefaultSocketConfig(
                          SocketConfig.custom().setTcpNoDelay(true).setSoTimeout(read).build())
                      .setDefaultConnectionConfig(
                          ConnectionConfig.custom()
                              .setConnectTimeout(connect)
                              .setSocketTimeout(read)
                              .setValidateAfterInactivity(TimeValue.NEG_ONE_MILLISECOND)
                              .build())
                      .build())
              .setDefaultRequestConfig(
                  RequestConfig.custom()
                      .setConnectionRequestTimeout(connect)
                      .setResponseTimeout(read)
                      .build())
              .disableAutomaticRetries()
              .disableRedirectHandling()
              .disableContentCompression()
              .disableCookieManagement()
              .disableAuthCaching()
              .disableConnectionState()
              .evictIdleConnections(TimeValue.ofSeconds(60))
              .build();
    }

    @PostMapping("/v1/chat/completions")
    void chat(HttpServletRequest request, HttpServletResponse response) throws IOException {
      byte[] body = request.getInputStream().readAllBytes();
      boolean stream = LoadConnection.contains(body, STREAM_FLAG);
      HttpPost post = new HttpPost(uri);
      post.setHeader("Content-Type", "application/json");
      post.setHeader("Accept", stream ? "text/event-stream" : "application/json");
      post.setHeader("Authorization", "Bearer sk-floor");
      post.setEntity(new ByteArrayEntity(body, null));
      if (!stream) {
        http.execute(
            post,
            answer -> {
              HttpEntity entity = answer.getEntity();
              byte[] bytes = entity == null ? new byte[0] : EntityUtils.toByteArray(entity);
              response.setStatus(answer.getCode());
              response.setContentType("application/json");
              response.setContentLength(bytes.length);
              response.getOutputStream().write(bytes);
              return null;
            });
        return;
      }
      try (ClassicHttpResponse answer = http.executeOpen(null, post, null)) {
        response.setStatus(answer.getCode());
        response.setContentType("text/event-stream; charset=utf-8");
        response.setHeader("Cache-Control", "no-cache");
        HttpEntity entity = answer.getEntity();
        if (entity == null) {
          return;
        }
        try (InputStream in = entity.getContent()) {
          ServletOutputStream out = response.getOutputStream();
          byte[] buffer = new byte[8192];
          for (int n; (n = in.read(buffer)) >= 0; ) {
            out.write(buffer, 0, n);
            if (in.available() == 0) {
              out.flush();
            }
          }
        }
      }
    }

    @Override
    public void close() throws IOException {
      http.close();
    }
  }
}

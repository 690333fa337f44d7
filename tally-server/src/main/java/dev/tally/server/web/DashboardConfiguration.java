package dev.tally.server.web;

import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import org.springframework.boot.web.servlet.FilterRegistrationBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.web.filter.OncePerRequestFilter;
import org.springframework.web.servlet.config.annotation.ViewControllerRegistry;
import org.springframework.web.servlet.config.annotation.WebMvcConfigurer;

/**
 * The usage dashboard: static files under {@code static/dashboard/}, served at {@code /dashboard/}
 * ({@code /dashboard} redirects there), with its chart library from a webjar under {@code
 * /webjars/}. Nothing is loaded from another origin, and the content security policy says so.
 */
@Configuration(proxyBeanMethods = false)
class DashboardConfiguration implements WebMvcConfigurer {
  /**
   * Only this origin's scripts and styles run, and data goes only to this origin's API. The page
   * keeps an API key in session storage, so injected script is what it must never run.
   */
  static final String CONTENT_SECURITY_POLICY =
      "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:;"
          + " connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self';"
          + " frame-ancestors 'none'";

  @Override
  public void addViewControllers(ViewControllerRegistry registry) {
    registry.addRedirectViewController("/dashboard", "/dashboard/");
    registry.addViewController("/dashboard/").setViewName("forward:/dashboard/index.html");
  }

  @Bean
  FilterRegistrationBean<DashboardHeaders> dashboardHeaders() {
    FilterRegistrationBean<DashboardHeaders> registration =
        new FilterRegistrationBean<>(new DashboardHeaders());
    registration.setName("dashboardHeaders");
    registration.addUrlPatterns("/dashboard", "/dashboard/*");
    return registration;
  }

  /** Security headers for the dashboard's pages and files. */
  static final class DashboardHeaders extends OncePerRequestFilter {
    @Override
    protected void doFilterInternal(
        HttpServletRequest request, HttpServletResponse response, FilterChain chain)
        throws ServletException, IOException {
      response.setHeader("Content-Security-Policy", CONTENT_SECURITY_POLICY);
      response.setHeader("X-Content-Type-Options", "nosniff");
      response.setHeader("Referrer-Policy", "no-referrer");
      chain.doFilter(request, response);
    }
  }
}

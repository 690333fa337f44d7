package dev.tally.springai.internal;

import dev.tally.spring.web.UsageTrackingFilter;
import dev.tally.springai.SubjectResolver;
import jakarta.servlet.http.HttpServletRequest;
import java.security.Principal;
import org.jspecify.annotations.Nullable;
import org.springframework.util.ClassUtils;
import org.springframework.web.context.request.RequestAttributes;
import org.springframework.web.context.request.RequestContextHolder;
import org.springframework.web.context.request.ServletRequestAttributes;

/**
 * The subject by the HTTP filter's rules, read from the request bound to the current thread: the
 * request attribute {@value UsageTrackingFilter#SUBJECT_ATTRIBUTE}, the authenticated principal,
 * then the subject header (when configured). A value restored by context propagation comes first,
 * so a stream on a Reactor thread keeps the subject of the request that started it.
 */
public final class RequestSubjectResolver implements SubjectResolver {
  private static final boolean SERVLET =
      ClassUtils.isPresent(
              "org.springframework.web.context.request.RequestContextHolder",
              RequestSubjectResolver.class.getClassLoader())
          && ClassUtils.isPresent(
              "jakarta.servlet.http.HttpServletRequest",
              RequestSubjectResolver.class.getClassLoader());

  private final @Nullable String subjectHeader;

  public RequestSubjectResolver(@Nullable String subjectHeader) {
    this.subjectHeader = subjectHeader;
  }

  @Override
  public @Nullable String currentSubject() {
    String propagated = CurrentSubject.get();
    if (propagated != null) {
      return propagated;
    }
    return SERVLET ? fromRequest() : null;
  }

  private @Nullable String fromRequest() {
    RequestAttributes attributes = RequestContextHolder.getRequestAttributes();
    if (!(attributes instanceof ServletRequestAttributes servlet)) {
      return null;
    }
    HttpServletRequest request = servlet.getRequest();
    Object attribute = request.getAttribute(UsageTrackingFilter.SUBJECT_ATTRIBUTE);
    if (attribute != null) {
      return attribute.toString();
    }
    Principal principal = request.getUserPrincipal();
    if (principal != null && principal.getName() != null && !principal.getName().isBlank()) {
      return principal.getName();
    }
    if (subjectHeader != null) {
      String header = request.getHeader(subjectHeader);
      if (header != null && !header.isBlank()) {
        return header;
      }
    }
    return null;
  }
}

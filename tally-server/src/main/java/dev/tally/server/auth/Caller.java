package dev.tally.server.auth;

import dev.tally.core.event.UsageEvent;
import dev.tally.server.web.ApiException;
import org.jspecify.annotations.Nullable;

/**
 * Who sent a request, like FastAPI's {@code get_optional_user}: anonymous without credentials, the
 * key's user with {@code Authorization: Bearer <key>}. Controllers read it from the request
 * attribute {@link #ATTRIBUTE}, which {@link ApiKeyFilter} sets on every API request.
 *
 * @param subject the user id, or {@code anonymous}
 * @param email the user's email, when known
 * @param admin whether the user may use the admin API and read anyone's usage
 */
public record Caller(String subject, @Nullable String email, boolean admin) {
  /** Request attribute holding the caller. */
  public static final String ATTRIBUTE = "tally.server.caller";

  private static final Caller ANONYMOUS = new Caller(UsageEvent.ANONYMOUS, null, false);

  public static Caller anonymous() {
    return ANONYMOUS;
  }

  public boolean isAnonymous() {
    return this == ANONYMOUS || UsageEvent.ANONYMOUS.equals(subject) && !admin;
  }

  /**
   * @throws ApiException 401 when the caller sent no API key
   */
  public Caller requireUser() {
    if (isAnonymous()) {
      throw ApiException.unauthorized(
          "this endpoint needs an API key: send 'Authorization: Bearer <api key>'");
    }
    return this;
  }

  /**
   * @throws ApiException 401 without a key, 403 for a key that is not an admin's
   */
  public Caller requireAdmin() {
    requireUser();
    if (!admin) {
      throw ApiException.forbidden("this endpoint is for admins only");
    }
    return this;
  }
}

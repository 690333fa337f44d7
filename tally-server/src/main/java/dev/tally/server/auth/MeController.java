package dev.tally.server.auth;

import org.jspecify.annotations.Nullable;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RequestAttribute;
import org.springframework.web.bind.annotation.RestController;

/**
 * Who the caller is: lets a client (the dashboard) check a key and learn whether to show the admin
 * views. Anonymous callers get 401, an unknown key 401 from {@link ApiKeyFilter}.
 */
@RestController
class MeController {

  /** The caller of {@code GET /api/me}. */
  record MeView(String subject, @Nullable String email, boolean admin) {}

  @GetMapping("/api/me")
  MeView me(@RequestAttribute(Caller.ATTRIBUTE) Caller caller) {
    caller.requireUser();
    return new MeView(caller.subject(), caller.email(), caller.admin());
  }
}

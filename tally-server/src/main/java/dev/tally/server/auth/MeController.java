package dev.tally.server.auth;

import java.util.List;
import org.jspecify.annotations.Nullable;
import org.springframework.http.HttpStatus;
import org.springframework.web.bind.annotation.DeleteMapping;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RequestAttribute;
import org.springframework.web.bind.annotation.ResponseStatus;
import org.springframework.web.bind.annotation.RestController;

/**
 * Who the caller is, and the caller's own keys: lets a client (the dashboard) check a key and learn
 * whether to show the admin views, and a user list and revoke their keys (a key that leaked can be
 * revoked with itself). Anonymous callers get 401, an unknown key 401 from {@link ApiKeyFilter}.
 */
@RestController
class MeController {
  private final ApiKeys keys;

  MeController(ApiKeys keys) {
    this.keys = keys;
  }

  /** The caller of {@code GET /api/me}. */
  record MeView(String subject, @Nullable String email, boolean admin) {}

  @GetMapping("/api/me")
  MeView me(@RequestAttribute(Caller.ATTRIBUTE) Caller caller) {
    caller.requireUser();
    return new MeView(caller.subject(), caller.email(), caller.admin());
  }

  @GetMapping("/api/me/keys")
  List<ApiKeys.KeyInfo> myKeys(@RequestAttribute(Caller.ATTRIBUTE) Caller caller) {
    return keys.list(caller.requireUser().subject());
  }

  @DeleteMapping("/api/me/keys/{keyId}")
  @ResponseStatus(HttpStatus.NO_CONTENT)
  void revokeMyKey(@RequestAttribute(Caller.ATTRIBUTE) Caller caller, @PathVariable String keyId) {
    keys.revoke(caller.requireUser().subject(), keyId);
  }
}

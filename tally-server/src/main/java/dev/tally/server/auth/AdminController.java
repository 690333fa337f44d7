package dev.tally.server.auth;

import dev.tally.server.web.ApiException;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.List;
import org.jspecify.annotations.Nullable;
import org.springframework.http.HttpStatus;
import org.springframework.web.bind.annotation.DeleteMapping;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestAttribute;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.ResponseStatus;
import org.springframework.web.bind.annotation.RestController;

/**
 * Admin only: creates users, and creates, lists and revokes their API keys. Rotating a key is
 * creating a new one, moving the client to it, and revoking the old one.
 */
@RestController
@RequestMapping("/api/admin/users")
class AdminController {
  private final Users users;
  private final ApiKeys keys;

  AdminController(Users users, ApiKeys keys) {
    this.users = users;
    this.keys = keys;
  }

  /** The body of {@code POST /api/admin/users}. */
  record NewUser(@Nullable String id, @Nullable String email) {}

  /** A created user. */
  record UserView(String id, @Nullable String email, boolean admin) {}

  /** The optional body of {@code POST /api/admin/users/{id}/keys}. */
  record NewKey(@Nullable String expiresAt) {}

  @PostMapping
  @ResponseStatus(HttpStatus.CREATED)
  UserView createUser(
      @RequestAttribute(Caller.ATTRIBUTE) Caller caller, @RequestBody NewUser request) {
    caller.requireAdmin();
    if (request.id() == null) {
      throw ApiException.badRequest("id must be given");
    }
    Users.User user = users.create(request.id(), request.email(), false);
    return new UserView(user.id(), user.email(), user.admin());
  }

  /** A new key, shown once: {@code id}, {@code key}, {@code createdAt}, {@code expiresAt}. */
  @PostMapping("/{id}/keys")
  @ResponseStatus(HttpStatus.CREATED)
  ApiKeys.CreatedKey createKey(
      @RequestAttribute(Caller.ATTRIBUTE) Caller caller,
      @PathVariable String id,
      @RequestBody(required = false) @Nullable NewKey request) {
    caller.requireAdmin();
    return keys.create(id, request == null ? null : expiresAt(request.expiresAt()));
  }

  @GetMapping("/{id}/keys")
  List<ApiKeys.KeyInfo> listKeys(
      @RequestAttribute(Caller.ATTRIBUTE) Caller caller, @PathVariable String id) {
    caller.requireAdmin();
    return keys.list(id);
  }

  @DeleteMapping("/{id}/keys/{keyId}")
  @ResponseStatus(HttpStatus.NO_CONTENT)
  void revokeKey(
      @RequestAttribute(Caller.ATTRIBUTE) Caller caller,
      @PathVariable String id,
      @PathVariable String keyId) {
    caller.requireAdmin();
    keys.revoke(id, keyId);
  }

  private static @Nullable Instant expiresAt(@Nullable String text) {
    if (text == null) {
      return null;
    }
    try {
      return Instant.parse(text);
    } catch (DateTimeParseException e) {
      throw ApiException.badRequest(
          "expiresAt must be an ISO-8601 instant such as 2027-01-01T00:00:00Z, was '"
              + (text.length() > 40 ? text.substring(0, 40) + "..." : text)
              + "'");
    }
  }
}

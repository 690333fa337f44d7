package dev.tally.server.auth;

import dev.tally.server.web.ApiException;
import org.jspecify.annotations.Nullable;
import org.springframework.http.HttpStatus;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestAttribute;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.ResponseStatus;
import org.springframework.web.bind.annotation.RestController;

/** Admin only: creates users and API keys. */
@RestController
@RequestMapping("/api/admin/users")
class AdminController {
  private final ApiKeys keys;

  AdminController(ApiKeys keys) {
    this.keys = keys;
  }

  /** The body of {@code POST /api/admin/users}. */
  record NewUser(@Nullable String id, @Nullable String email) {}

  /** A created user. */
  record UserView(String id, @Nullable String email, boolean admin) {}

  /** A created key: shown once, only its hash is kept. */
  record KeyView(String userId, String key) {}

  @PostMapping
  @ResponseStatus(HttpStatus.CREATED)
  UserView createUser(
      @RequestAttribute(Caller.ATTRIBUTE) Caller caller, @RequestBody NewUser request) {
    caller.requireAdmin();
    if (request.id() == null) {
      throw ApiException.badRequest("id must be given");
    }
    ApiKeys.User user = keys.createUser(request.id(), request.email(), false);
    return new UserView(user.id(), user.email(), user.admin());
  }

  @PostMapping("/{id}/keys")
  @ResponseStatus(HttpStatus.CREATED)
  KeyView createKey(@RequestAttribute(Caller.ATTRIBUTE) Caller caller, @PathVariable String id) {
    caller.requireAdmin();
    return new KeyView(id, keys.createKey(id));
  }
}

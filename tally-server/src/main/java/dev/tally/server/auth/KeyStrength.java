package dev.tally.server.auth;

import java.util.HashSet;
import java.util.Optional;
import java.util.Set;

/**
 * The strength rule for a secret an operator configures (the admin key, the metrics key). A key is
 * strong when all of these hold:
 *
 * <ol>
 *   <li>it is 1 to {@value #MAX_LENGTH} printable ASCII characters, without spaces;
 *   <li>its estimated entropy, {@code length × log2(alphabet)}, is at least {@value #MIN_BITS}
 *       bits. The alphabet is 16 when the key is hexadecimal in one case; otherwise the sum of the
 *       classes it uses: digits 10, lower-case letters 26, upper-case letters 26, {@code -} and
 *       {@code _} 2, any other printable character 32. So at least 32 hex characters, or 24
 *       base64url ones (22 to 25, by the classes a random key happens to use), or 20 mixed
 *       printable ones;
 *   <li>it has at least {@value #MIN_DISTINCT} distinct characters ({@code aaaa…} is refused);
 *   <li>at least three quarters of its 4-character windows are distinct (a repeated block such as
 *       {@code deadbeefdeadbeef…} is refused);
 *   <li>no {@value #MAX_RUN} consecutive characters step by a constant -1, 0 or +1 ({@code
 *       abcdefgh}, {@code 87654321}).
 * </ol>
 *
 * <p>Rules 3 to 5 reject what a careless person types; a random key fails them with a probability
 * below one in a million (32 random hex characters). The estimate cannot tell a random key from a
 * long pass phrase: generate keys, e.g. {@code openssl rand -hex 32}.
 */
final class KeyStrength {
  static final int MIN_BITS = 128;
  static final int MIN_DISTINCT = 8;
  static final int MAX_RUN = 8;
  static final int MAX_LENGTH = 512;

  private KeyStrength() {}

  /** Why the key is weak, as a phrase that never repeats the key; empty when it is strong. */
  static Optional<String> weakness(String key) {
    if (key.isEmpty() || key.length() > MAX_LENGTH) {
      return Optional.of("must be 1 to " + MAX_LENGTH + " characters, was " + key.length());
    }
    for (int i = 0; i < key.length(); i++) {
      char c = key.charAt(i);
      if (c <= ' ' || c > '~') {
        return Optional.of(
            "must be printable ASCII without spaces, has a "
                + (c == ' ' ? "space" : "character U+%04X".formatted((int) c))
                + " at position "
                + (i + 1));
      }
    }
    int alphabet = alphabet(key);
    // The epsilon keeps 32 hex digits at 128 bits whatever the rounding of log2(16).
    double bits = key.length() * (Math.log(alphabet) / Math.log(2)) + 1e-9;
    if (bits < MIN_BITS) {
      return Optional.of(
          ("has about %d bits of entropy (%d character%s from an alphabet of %d), at least %d are"
                  + " needed: e.g. 32 hex or 24 base64url characters")
              .formatted(
                  (int) bits, key.length(), key.length() == 1 ? "" : "s", alphabet, MIN_BITS));
    }
    long distinct = key.chars().distinct().count();
    if (distinct < MIN_DISTINCT) {
      return Optional.of(
          "uses only %d distinct character%s, at least %d are needed"
              .formatted(distinct, distinct == 1 ? "" : "s", MIN_DISTINCT));
    }
    Set<String> windows = new HashSet<>();
    int count = key.length() - 3;
    for (int i = 0; i < count; i++) {
      windows.add(key.substring(i, i + 4));
    }
    if (windows.size() * 4 < count * 3) {
      return Optional.of(
          "repeats itself: only "
              + windows.size()
              + " of its "
              + count
              + " 4-character windows are distinct");
    }
    int run = longestRun(key);
    if (run >= MAX_RUN) {
      return Optional.of(
          "has a run of "
              + run
              + " characters stepping by -1, 0 or +1 (like 'abcdefgh' or 'aaaaaaaa')");
    }
    return Optional.empty();
  }

  private static int alphabet(String key) {
    if (key.chars().allMatch(c -> c >= '0' && c <= '9' || c >= 'a' && c <= 'f')
        || key.chars().allMatch(c -> c >= '0' && c <= '9' || c >= 'A' && c <= 'F')) {
      return key.chars().allMatch(Character::isDigit) ? 10 : 16;
    }
    boolean digit = false;
    boolean lower = false;
    boolean upper = false;
    boolean dashOrUnderscore = false;
    boolean other = false;
    for (char c : key.toCharArray()) {
      if (c >= '0' && c <= '9') {
        digit = true;
      } else if (c >= 'a' && c <= 'z') {
        lower = true;
      } else if (c >= 'A' && c <= 'Z') {
        upper = true;
      } else if (c == '-' || c == '_') {
        dashOrUnderscore = true;
      } else {
        other = true;
      }
    }
    return (digit ? 10 : 0)
        + (lower ? 26 : 0)
        + (upper ? 26 : 0)
        + (dashOrUnderscore ? 2 : 0)
        + (other ? 32 : 0);
  }

  /** The longest stretch of characters where each steps from the one before by one constant. */
  private static int longestRun(String key) {
    int longest = 1;
    int run = 1;
    int step = Integer.MIN_VALUE;
    for (int i = 1; i < key.length(); i++) {
      int d = key.charAt(i) - key.charAt(i - 1);
      if (Math.abs(d) <= 1 && (run == 1 || d == step)) {
        run++;
        step = d;
      } else if (Math.abs(d) <= 1) {
        run = 2;
        step = d;
      } else {
        run = 1;
      }
      longest = Math.max(longest, run);
    }
    return longest;
  }
}

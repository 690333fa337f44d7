package dev.tally.server.auth;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Base64;
import java.util.HexFormat;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class KeyStrengthTest {

  @ParameterizedTest
  @ValueSource(
      strings = {
        "ba1c2457d5685c86afd6b0b0c3a320df", // 32 hex: 128 bits
        "BA1C2457D5685C86AFD6B0B0C3A320DF",
        "q3Xv-9Lm_T2bZ8kR4wNc7A", // 22 base64url using all its classes: 132 bits
        "tly_q3Xv9LmT2bZ8kR4wNc7AyP0sUe6Jd1Hf5GiKoBr", // a generated key
        "W7#kq!2Zp@9x$L4m&Vr*", // 20 mixed printable: 131 bits
      })
  void randomKeysOfTheMinimumLengthAreStrong(String key) {
    assertThat(KeyStrength.weakness(key)).isEmpty();
  }

  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      value = {
        "a | has about 4 bits of entropy (1 character from an alphabet of 16)",
        "test-admin-key | has about 67 bits",
        "ba1c2457d5685c86afd6b0b0c3a320d | has about 124 bits", // 31 hex
        "1234567890123456789012345678901234567 | alphabet of 10",
        "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa | uses only 1 distinct character,",
        "abababababababababababababababab | uses only 2 distinct characters",
        "deadbeefdeadbeefdeadbeefdeadbeef | uses only 5 distinct characters",
        "Tr0ub4dor&3Tr0ub4dor&3Tr0ub4dor&3 | repeats itself",
        "0123456789abcdef0123456789abcdef | repeats itself",
        "0123456789abcdeffedcba9876543210 | has a run of 10 characters",
        "x7Qp2mZabcdefghijkLw9Rt4 | has a run of 11 characters",
        "with space inside is not a key at all | has a space at position 5",
      })
  void carelessKeysAreWeakWithAReasonThatNeverRepeatsTheKey(String key, String reason) {
    assertThat(KeyStrength.weakness(key))
        .hasValueSatisfying(
            w -> {
              assertThat(w).contains(reason);
              if (key.length() >= 4) {
                assertThat(w).doesNotContain(key);
              }
            });
  }

  @Test
  void randomKeysPassTheVarietyRules() {
    Random random = new Random(20261201); // fixed: a sample, not a flake
    for (int i = 0; i < 20_000; i++) {
      byte[] bytes = new byte[18];
      random.nextBytes(bytes);
      String hex = HexFormat.of().formatHex(bytes, 0, 16); // 32 characters
      String base64 = Base64.getUrlEncoder().withoutPadding().encodeToString(bytes); // 24
      assertThat(KeyStrength.weakness(hex)).as(hex).isEmpty();
      assertThat(KeyStrength.weakness(base64)).as(base64).isEmpty();
    }
  }
}

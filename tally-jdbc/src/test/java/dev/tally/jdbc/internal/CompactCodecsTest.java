package dev.tally.jdbc.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tally.core.sink.UsageRejectedException;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;

class CompactCodecsTest {

  @Test
  void canonicalUuidsAreSixteenBytesAndOtherIdsNeverAre() {
    String uuid = UUID.randomUUID().toString();
    assertThat(EventIds.encode(uuid)).hasSize(16);
    assertThat(EventIds.decode(EventIds.encode(uuid))).isEqualTo(uuid);
    // Upper case, 16-character and 15-byte ids are kept as text and never look like a UUID.
    for (String id :
        List.of(
            uuid.toUpperCase(java.util.Locale.ROOT),
            "abcdefghijklmnop",
            "abcdefghijklmno",
            "x",
            "ev-1",
            "caf\u00e9-\u4e2d\u6587-id-that-is-rather-long")) {
      byte[] stored = EventIds.encode(id);
      assertThat(stored.length).as(id).isNotEqualTo(16);
      assertThat(EventIds.decode(stored)).isEqualTo(id);
    }
  }

  @Test
  void storedIdsSortAsTheirTextAmongCallerIds() {
    List<String> ids = List.of("ev-1", "ev-10", "ev-2", "ev-1-a", "a", "b");
    List<String> byText = ids.stream().sorted().toList();
    List<String> byBytes =
        ids.stream()
            .sorted((a, b) -> Arrays.compareUnsigned(EventIds.encode(a), EventIds.encode(b)))
            .toList();
    assertThat(byBytes).isEqualTo(byText);
  }

  @Test
  void anIdEndingWithNulIsRefusedNamingTheField() {
    assertThatThrownBy(() -> EventIds.encode("abc\u0000"))
        .isInstanceOf(UsageRejectedException.class)
        .hasMessageContaining("id must not end with a NUL");
  }

  @Test
  void coldFieldsRoundTripWithNullsAndSortedAttributes() {
    Map<String, String> attributes = new LinkedHashMap<>();
    attributes.put("z", "last");
    attributes.put("a", "first \u00e9\n\"quoted\"");
    ColdFields cold =
        new ColdFields(
            "u@example.com",
            null,
            "t1",
            "java.io.IOException",
            null,
            "trace",
            12,
            0,
            "0.0125",
            1_790_000_000_000_000_000L,
            attributes);
    ColdFields back = ColdFields.unpack(cold.pack());
    assertThat(back).isEqualTo(cold);
    assertThat(back.attributes().keySet()).containsExactly("a", "z");
  }

  @Test
  void histogramBlobKeepsOnlyTheBucketsInUse() {
    long[] h = new long[DurationHistogram.BUCKETS];
    h[0] = 3;
    h[40] = 1_000_000;
    h[81] = 2;
    byte[] blob = HistogramBlob.encode(h);
    assertThat(blob.length).isLessThan(10);
    long[] back = new long[DurationHistogram.BUCKETS];
    HistogramBlob.addTo(back, blob);
    HistogramBlob.addTo(back, blob);
    assertThat(back[0]).isEqualTo(6);
    assertThat(back[40]).isEqualTo(2_000_000);
    assertThat(back[81]).isEqualTo(4);
    assertThat(HistogramBlob.encode(new long[DurationHistogram.BUCKETS])).isEmpty();
  }
}

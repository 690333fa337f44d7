package dev.tally.jdbc.internal;

/**
 * The duration histogram of a rollup row as one sparse blob (SQLite): for each non-empty bucket in
 * ascending order, the bucket and its count as varints. A rollup row of one hour and one subject
 * usually has a handful of buckets, so this is a few bytes instead of 82 columns. PostgreSQL keeps
 * the histogram as an {@code integer[]} of {@value DurationHistogram#BUCKETS} (merged element-wise
 * by the upsert); {@link #pgArray} writes that array's text form.
 */
final class HistogramBlob {
  private HistogramBlob() {}

  static byte[] encode(long[] histogram) {
    Varints.Sink out = new Varints.Sink(16);
    for (int b = 0; b < histogram.length; b++) {
      if (histogram[b] != 0) {
        out.write(b);
        out.write(histogram[b]);
      }
    }
    return out.toByteArray();
  }

  /** Adds the counts of a blob to {@code into}. */
  static void addTo(long[] into, byte[] blob) {
    Varints.Reader in = new Varints.Reader(blob);
    while (in.hasMore()) {
      int bucket = (int) in.read();
      into[bucket] += in.read();
    }
  }

  /** PostgreSQL's text form of the dense {@code integer[]}. */
  static String pgArray(long[] histogram) {
    StringBuilder sb = new StringBuilder(histogram.length * 2 + 2).append('{');
    for (int b = 0; b < histogram.length; b++) {
      sb.append(b == 0 ? "" : ",").append(histogram[b]);
    }
    return sb.append('}').toString();
  }
}

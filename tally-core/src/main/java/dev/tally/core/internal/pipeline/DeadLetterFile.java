package dev.tally.core.internal.pipeline;

import dev.tally.core.event.UsageEvent;
import dev.tally.core.internal.EventCodec;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.Base64;
import java.util.List;

/**
 * Events a sink rejected, one per line: time, event id, reason, then the event in spool form
 * (Base64), so an operator can read why and re-ingest after a fix.
 */
public final class DeadLetterFile {
  private final Path file;

  public DeadLetterFile(Path file) {
    this.file = file;
  }

  public Path path() {
    return file;
  }

  public synchronized void write(UsageEvent event, String reason, Instant now) throws IOException {
    String line =
        now
            + "\t"
            + event.id()
            + "\t"
            + reason.replace('\t', ' ').replace('\n', ' ').replace('\r', ' ')
            + "\t"
            + Base64.getEncoder().encodeToString(EventCodec.encode(List.of(event)))
            + "\n";
    Files.writeString(
        file,
        line,
        StandardCharsets.UTF_8,
        StandardOpenOption.CREATE,
        StandardOpenOption.APPEND,
        StandardOpenOption.WRITE);
  }

  /** Reads the events back, for re-ingestion. */
  public static List<UsageEvent> read(Path file) throws IOException {
    List<UsageEvent> events = new java.util.ArrayList<>();
    for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
      if (line.isBlank()) {
        continue;
      }
      String[] parts = line.split("\t");
      byte[] data = Base64.getDecoder().decode(parts[parts.length - 1]);
      events.addAll(EventCodec.decode(data, 0, data.length));
    }
    return events;
  }
}

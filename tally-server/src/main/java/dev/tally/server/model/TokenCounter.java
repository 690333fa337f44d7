package dev.tally.server.model;

import com.knuddels.jtokkit.Encodings;
import com.knuddels.jtokkit.api.Encoding;
import com.knuddels.jtokkit.api.EncodingType;
import java.util.List;

/**
 * Counts tokens locally with the {@code o200k_base} encoding (the one of the GPT-4o family). The
 * encoding ships inside the jtokkit jar; nothing is downloaded. Thread-safe.
 */
public final class TokenCounter {
  /** Tokens the chat format adds around each message (role and separators). */
  static final int PER_MESSAGE = 3;

  /** Tokens that prime the reply. */
  static final int REPLY_PRIMING = 3;

  private final Encoding encoding;

  public TokenCounter() {
    this.encoding = Encodings.newLazyEncodingRegistry().getEncoding(EncodingType.O200K_BASE);
  }

  /** Tokens of a text. */
  public int count(String text) {
    return encoding.countTokensOrdinary(text);
  }

  /** Tokens of a prompt of chat messages, with the chat format's framing. */
  public int countPrompt(List<ChatMessage> messages) {
    int total = REPLY_PRIMING;
    for (ChatMessage m : messages) {
      total += PER_MESSAGE + count(m.content());
    }
    return total;
  }
}

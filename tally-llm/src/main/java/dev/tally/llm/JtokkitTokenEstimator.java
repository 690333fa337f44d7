package dev.tally.llm;

import com.knuddels.jtokkit.Encodings;
import com.knuddels.jtokkit.api.Encoding;
import com.knuddels.jtokkit.api.EncodingRegistry;
import com.knuddels.jtokkit.api.EncodingType;
import dev.tally.core.TokenEstimator;
import java.util.Locale;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * A {@link TokenEstimator} with OpenAI's tokenizers (jtokkit; the vocabularies ship inside its jar,
 * nothing is downloaded). The encoding follows the model: jtokkit's own model table first, then
 * {@code o200k_base} for the GPT-4o, GPT-4.1, GPT-5 and o-series families, {@code cl100k_base} for
 * GPT-4 and GPT-3.5, and the default encoding ({@code o200k_base} unless given) for every other
 * model. For models with unpublished tokenizers (Anthropic's, for one) this is an approximation,
 * typically within 10–20%; the event records the encoding used ({@code jtokkit/o200k_base}).
 * Thread-safe; the encodings load lazily, once.
 */
public final class JtokkitTokenEstimator implements TokenEstimator {
  private final EncodingRegistry registry = Encodings.newLazyEncodingRegistry();
  private final EncodingType fallback;

  private JtokkitTokenEstimator(EncodingType fallback) {
    this.fallback = fallback;
  }

  /** An estimator whose encoding for unknown models is {@code o200k_base}. */
  public static JtokkitTokenEstimator create() {
    return new JtokkitTokenEstimator(EncodingType.O200K_BASE);
  }

  /** An estimator whose encoding for unknown models is {@code fallback}. */
  public static JtokkitTokenEstimator withDefault(EncodingType fallback) {
    if (fallback == null) {
      throw new IllegalArgumentException("fallback encoding must not be null");
    }
    return new JtokkitTokenEstimator(fallback);
  }

  @Override
  public long count(CharSequence text, @Nullable String model) {
    if (text.length() == 0) {
      return 0;
    }
    return Math.max(1, encoding(model).countTokensOrdinary(text.toString()));
  }

  @Override
  public String name(@Nullable String model) {
    return "jtokkit/" + encoding(model).getName();
  }

  private Encoding encoding(@Nullable String model) {
    if (model == null || model.isBlank()) {
      return registry.getEncoding(fallback);
    }
    Optional<Encoding> known = registry.getEncodingForModel(model);
    if (known.isPresent()) {
      return known.get();
    }
    return registry.getEncoding(typeFor(model.toLowerCase(Locale.ROOT)));
  }

  private EncodingType typeFor(String model) {
    String name = model.contains("/") ? model.substring(model.lastIndexOf('/') + 1) : model;
    if (name.startsWith("gpt-4o")
        || name.startsWith("chatgpt-4o")
        || name.startsWith("gpt-4.1")
        || name.startsWith("gpt-4.5")
        || name.startsWith("gpt-5")
        || name.startsWith("o1")
        || name.startsWith("o3")
        || name.startsWith("o4")) {
      return EncodingType.O200K_BASE;
    }
    if (name.startsWith("gpt-4")
        || name.startsWith("gpt-3.5")
        || name.startsWith("text-embedding")) {
      return EncodingType.CL100K_BASE;
    }
    return fallback;
  }
}

package dev.tally.server.gateway;

import dev.tally.server.model.ChatMessage;
import dev.tally.server.model.TokenCounter;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * The local echo model as an upstream: it answers {@code "Echo: <last message>"} in OpenAI's wire
 * format (plain, and streamed word by word with the server's echo stream delay), embeds text as a
 * small deterministic vector, and reports usage counted with the server's tokenizer (the gateway
 * records it as {@code ESTIMATED}: nobody billed it).
 */
final class EchoUpstream extends Upstream {
  /** Dimensions of an echo embedding. */
  static final int DIMENSIONS = 8;

  private static final Pattern WORD = Pattern.compile("\\s*\\S+");

  private final JsonMapper json;
  private final TokenCounter tokens;
  private final Duration streamDelay;
  private final Clock clock;

  EchoUpstream(
      String name,
      List<String> models,
      Map<String, String> aliases,
      @Nullable String fallback,
      JsonMapper json,
      TokenCounter tokens,
      Duration streamDelay,
      Clock clock) {
    super(name, models, aliases, fallback);
    this.json = json;
    this.tokens = tokens;
    this.streamDelay = streamDelay;
    this.clock = clock;
  }

  @Override
  String provider() {
    return "local";
  }

  @Override
  Answer call(String path, ObjectNode request) {
    return switch (path) {
      case "/chat/completions" -> new Answer(200, json.writeValueAsBytes(completion(request)));
      case "/embeddings" -> new Answer(200, json.writeValueAsBytes(embeddings(request)));
      default -> throw new IllegalArgumentException("echo has no " + path);
    };
  }

  private ObjectNode completion(ObjectNode request) {
    List<ChatMessage> messages = Messages.of(request);
    String reply = reply(messages);
    ObjectNode body = head(request, "chat.completion");
    ObjectNode choice = body.putArray("choices").addObject();
    choice.put("index", 0);
    ObjectNode message = choice.putObject("message");
    message.put("role", "assistant");
    message.put("content", reply);
    choice.put("finish_reason", "stop");
    usage(body, tokens.countPrompt(messages), tokens.count(reply));
    return body;
  }

  private ObjectNode embeddings(ObjectNode request) {
    List<String> inputs = new ArrayList<>();
    JsonNode input = request.path("input");
    if (input.isArray()) {
      input.forEach(i -> inputs.add(i.asString("")));
    } else {
      inputs.add(input.asString(""));
    }
    boolean base64 = "base64".equals(request.path("encoding_format").asString("float"));
    ObjectNode body = json.createObjectNode();
    body.put("object", "list");
    ArrayNode data = body.putArray("data");
    long promptTokens = 0;
    for (int i = 0; i < inputs.size(); i++) {
      float[] vector = vector(inputs.get(i));
      promptTokens += tokens.count(inputs.get(i));
      ObjectNode item = data.addObject();
      item.put("object", "embedding");
      item.put("index", i);
      if (base64) {
        ByteBuffer bytes = ByteBuffer.allocate(4 * vector.length).order(ByteOrder.LITTLE_ENDIAN);
        for (float f : vector) {
          bytes.putFloat(f);
        }
        item.put("embedding", Base64.getEncoder().encodeToString(bytes.array()));
      } else {
        ArrayNode values = item.putArray("embedding");
        for (float f : vector) {
          values.add(f);
        }
      }
    }
    body.put("model", request.path("model").asString("echo"));
    ObjectNode usage = body.putObject("usage");
    usage.put("prompt_tokens", promptTokens);
    usage.put("total_tokens", promptTokens);
    return body;
  }

  /** A unit vector that depends only on the text. */
  private static float[] vector(String text) {
    byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
    float[] v = new float[DIMENSIONS];
    for (int i = 0; i < bytes.length; i++) {
      v[i % DIMENSIONS] += (bytes[i] & 0xff) / 255f;
    }
    double norm = 0;
    for (float f : v) {
      norm += f * f;
    }
    float scale = norm == 0 ? 0 : (float) (1 / Math.sqrt(norm));
    for (int i = 0; i < v.length; i++) {
      v[i] *= scale;
    }
    return v;
  }

  @Override
  Stream stream(ObjectNode request) {
    List<ChatMessage> messages = Messages.of(request);
    String reply = reply(messages);
    List<String> events = new ArrayList<>();
    String id = "chatcmpl-" + UUID.randomUUID();
    ObjectNode first = chunk(request, id);
    first
        .withArray("choices")
        .addObject()
        .put("index", 0)
        .putObject("delta")
        .put("role", "assistant")
        .put("content", "");
    events.add(json.writeValueAsString(first));
    Matcher words = WORD.matcher(reply);
    while (words.find()) {
      ObjectNode piece = chunk(request, id);
      ObjectNode choice = piece.withArray("choices").addObject();
      choice.put("index", 0);
      choice.putObject("delta").put("content", words.group());
      events.add(json.writeValueAsString(piece));
    }
    ObjectNode last = chunk(request, id);
    ObjectNode stop = last.withArray("choices").addObject();
    stop.put("index", 0);
    stop.putObject("delta");
    stop.put("finish_reason", "stop");
    events.add(json.writeValueAsString(last));
    if (request.path("stream_options").path("include_usage").asBoolean(false)) {
      ObjectNode usage = chunk(request, id);
      usage.putArray("choices");
      usage(usage, tokens.countPrompt(messages), tokens.count(reply));
      events.add(json.writeValueAsString(usage));
    }
    events.add("[DONE]");
    return new EventStream(events.iterator(), streamDelay);
  }

  private ObjectNode chunk(ObjectNode request, String id) {
    ObjectNode chunk = json.createObjectNode();
    chunk.put("id", id);
    chunk.put("object", "chat.completion.chunk");
    chunk.put("created", clock.instant().getEpochSecond());
    chunk.put("model", request.path("model").asString("echo"));
    return chunk;
  }

  private ObjectNode head(ObjectNode request, String object) {
    ObjectNode body = json.createObjectNode();
    body.put("id", "chatcmpl-" + UUID.randomUUID());
    body.put("object", object);
    body.put("created", clock.instant().getEpochSecond());
    body.put("model", request.path("model").asString("echo"));
    return body;
  }

  private static void usage(ObjectNode body, long prompt, long completion) {
    ObjectNode usage = body.putObject("usage");
    usage.put("prompt_tokens", prompt);
    usage.put("completion_tokens", completion);
    usage.put("total_tokens", prompt + completion);
  }

  private static String reply(List<ChatMessage> messages) {
    return "Echo: " + (messages.isEmpty() ? "" : messages.get(messages.size() - 1).content());
  }

  /** SSE lines of prepared events, pausing before each event. */
  private static final class EventStream implements Stream {
    private final Iterator<String> events;
    private final Duration delay;
    private @Nullable String pending;

    EventStream(Iterator<String> events, Duration delay) {
      this.events = events;
      this.delay = delay;
    }

    @Override
    public int status() {
      return 200;
    }

    @Override
    public @Nullable String nextLine() {
      if (pending != null) {
        String blank = pending;
        pending = null;
        return blank;
      }
      if (!events.hasNext()) {
        return null;
      }
      pause();
      pending = "";
      return "data: " + events.next();
    }

    private void pause() {
      if (delay.isZero()) {
        return;
      }
      try {
        Thread.sleep(delay.toMillis(), delay.toNanosPart() % 1_000_000);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }

    @Override
    public String errorBody() {
      return "";
    }

    @Override
    public void close() {
      // nothing to release
    }
  }
}

package dev.tally.jdbc.internal;

import java.util.LinkedHashMap;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * Encodes string attributes as a flat JSON object, readable by SQL JSON functions of both dialects.
 */
final class AttributesCodec {
  private AttributesCodec() {}

  static @Nullable String encode(Map<String, String> attributes) {
    if (attributes.isEmpty()) {
      return null;
    }
    // Sorted keys give the same text for the same map, whatever its iteration order.
    String[] keys = attributes.keySet().toArray(new String[0]);
    java.util.Arrays.sort(keys);
    int length = 2;
    for (String key : keys) {
      length += key.length() + attributes.get(key).length() + 6;
    }
    StringBuilder sb = new StringBuilder(length + 16).append('{');
    for (int i = 0; i < keys.length; i++) {
      if (i > 0) {
        sb.append(',');
      }
      quote(sb, keys[i]);
      sb.append(':');
      quote(sb, attributes.get(keys[i]));
    }
    return sb.append('}').toString();
  }

  private static void quote(StringBuilder sb, String s) {
    sb.append('"');
    // Copy runs of plain characters in one call; only the rare escapes go char by char.
    int run = 0;
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c >= 0x20 && c != '"' && c != '\\') {
        continue;
      }
      sb.append(s, run, i);
      run = i + 1;
      switch (c) {
        case '"' -> sb.append("\\\"");
        case '\\' -> sb.append("\\\\");
        case '\n' -> sb.append("\\n");
        case '\r' -> sb.append("\\r");
        case '\t' -> sb.append("\\t");
        default -> sb.append(String.format("\\u%04x", (int) c));
      }
    }
    sb.append(s, run, s.length());
    sb.append('"');
  }

  static Map<String, String> decode(@Nullable String json) {
    if (json == null || json.isEmpty()) {
      return Map.of();
    }
    Map<String, String> out = new LinkedHashMap<>();
    int[] pos = {skipWs(json, 0)};
    expect(json, pos, '{');
    pos[0] = skipWs(json, pos[0]);
    if (json.charAt(pos[0]) == '}') {
      return out;
    }
    while (true) {
      pos[0] = skipWs(json, pos[0]);
      String key = readString(json, pos);
      pos[0] = skipWs(json, pos[0]);
      expect(json, pos, ':');
      pos[0] = skipWs(json, pos[0]);
      String value = readString(json, pos);
      out.put(key, value);
      pos[0] = skipWs(json, pos[0]);
      char c = json.charAt(pos[0]++);
      if (c == '}') {
        return out;
      }
      if (c != ',') {
        throw new IllegalStateException("bad attributes JSON at " + (pos[0] - 1) + ": " + json);
      }
    }
  }

  private static int skipWs(String s, int i) {
    while (i < s.length() && Character.isWhitespace(s.charAt(i))) {
      i++;
    }
    return i;
  }

  private static void expect(String s, int[] pos, char c) {
    if (s.charAt(pos[0]) != c) {
      throw new IllegalStateException("bad attributes JSON at " + pos[0] + ": " + s);
    }
    pos[0]++;
  }

  private static String readString(String s, int[] pos) {
    expect(s, pos, '"');
    StringBuilder sb = new StringBuilder();
    int i = pos[0];
    while (true) {
      char c = s.charAt(i++);
      if (c == '"') {
        break;
      }
      if (c == '\\') {
        char e = s.charAt(i++);
        switch (e) {
          case 'n' -> sb.append('\n');
          case 'r' -> sb.append('\r');
          case 't' -> sb.append('\t');
          case 'b' -> sb.append('\b');
          case 'f' -> sb.append('\f');
          case 'u' -> {
            sb.append((char) Integer.parseInt(s.substring(i, i + 4), 16));
            i += 4;
          }
          default -> sb.append(e);
        }
      } else {
        sb.append(c);
      }
    }
    pos[0] = i;
    return sb.toString();
  }
}

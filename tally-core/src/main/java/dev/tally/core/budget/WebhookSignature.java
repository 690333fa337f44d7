package dev.tally.core.budget;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * The {@code Tally-Signature} header of a webhook delivery: {@code t=<unix seconds>,v1=<hex
 * HMAC-SHA256 of "<t>.<body>" keyed with the secret>}. Receivers recompute the HMAC, compare in
 * constant time, and refuse timestamps older than their tolerance, which stops replays of a
 * captured delivery; the alert id in the body lets them ignore a redelivery.
 */
public final class WebhookSignature {
  public static final String HEADER = "Tally-Signature";

  private WebhookSignature() {}

  /** The header value for {@code body} signed at {@code at}. */
  public static String sign(String secret, Instant at, String body) {
    long t = at.getEpochSecond();
    return "t=" + t + ",v1=" + hmac(secret, t + "." + body);
  }

  /**
   * Whether {@code header} is a valid signature of {@code body} made within {@code tolerance} of
   * {@code now}.
   */
  public static boolean verify(
      String secret, String header, String body, Instant now, Duration tolerance) {
    long t = -1;
    String v1 = null;
    for (String part : header.split(",")) {
      String[] kv = part.trim().split("=", 2);
      if (kv.length != 2) {
        return false;
      }
      if (kv[0].equals("t")) {
        try {
          t = Long.parseLong(kv[1]);
        } catch (NumberFormatException e) {
          return false;
        }
      } else if (kv[0].equals("v1")) {
        v1 = kv[1];
      }
    }
    if (t < 0 || v1 == null) {
      return false;
    }
    if (Math.abs(now.getEpochSecond() - t) > tolerance.toSeconds()) {
      return false;
    }
    byte[] expected = hmac(secret, t + "." + body).getBytes(StandardCharsets.US_ASCII);
    return MessageDigest.isEqual(expected, v1.getBytes(StandardCharsets.US_ASCII));
  }

  private static String hmac(String secret, String payload) {
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
      return HexFormat.of().formatHex(mac.doFinal(payload.getBytes(StandardCharsets.UTF_8)));
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("HmacSHA256 is not available", e);
    }
  }
}

package dev.tally.server.web;

import java.math.BigInteger;
import java.time.temporal.Temporal;
import java.util.Collection;
import java.util.Map;
import org.jspecify.annotations.Nullable;
import tools.jackson.core.JacksonException;
import tools.jackson.core.JsonToken;
import tools.jackson.core.TokenStreamLocation;
import tools.jackson.core.exc.InputCoercionException;
import tools.jackson.core.exc.StreamConstraintsException;
import tools.jackson.core.exc.StreamReadException;
import tools.jackson.core.exc.UnexpectedEndOfInputException;
import tools.jackson.databind.exc.InvalidFormatException;
import tools.jackson.databind.exc.MismatchedInputException;
import tools.jackson.databind.exc.UnrecognizedPropertyException;

/**
 * Details of bad input written from what went wrong, not from a library's message: they name the
 * field or parameter and the JSON type expected ({@code "message must be a string, was a number"}),
 * and never a Java type, class or method. Jackson's own messages name the Java types ({@code
 * java.math.BigDecimal}, {@code ChatController$ChatRequest}), so they are never passed on.
 */
final class ErrorDetails {
  /** Longest value quoted back in a detail. */
  static final int MAX_QUOTED = 64;

  private ErrorDetails() {}

  /** The detail for a body Jackson could not read; {@code error} may be null (no body at all). */
  static String body(@Nullable Throwable error) {
    JacksonException jackson = find(error, JacksonException.class);
    if (jackson == null) {
      return "request body must be a JSON object, and it is missing";
    }
    String field = path(jackson);
    String subject = field.isEmpty() ? "request body" : field;
    if (jackson instanceof UnrecognizedPropertyException unknown) {
      return "request body has an unknown field '" + quoted(unknown.getPropertyName()) + "'";
    }
    if (jackson instanceof MismatchedInputException mismatch) {
      Class<?> target = mismatch.getTargetType();
      String was =
          mismatch instanceof InvalidFormatException format && format.getValue() != null
              ? was(format.getValue())
              : was(mismatch.getCurrentToken());
      if (target == null && mismatch.getCurrentToken() == null) {
        return "request body must be a JSON object, and it is empty";
      }
      return subject + " must be " + jsonType(target) + was;
    }
    if (jackson instanceof InputCoercionException coercion) {
      return subject
          + " must be "
          + jsonType(coercion.getTargetType())
          + " within its range, was a number out of range";
    }
    if (jackson instanceof StreamConstraintsException) {
      return subject + " is longer or nested deeper than this server reads";
    }
    if (jackson instanceof UnexpectedEndOfInputException) {
      return "request body must be a valid JSON object: it ends before the JSON does" + at(jackson);
    }
    if (jackson instanceof StreamReadException) {
      return "request body must be a valid JSON object: it is not valid JSON" + at(jackson);
    }
    return subject + " has a value that cannot be read";
  }

  /** The detail for a query or path parameter that is not of its type. */
  static String parameter(String name, @Nullable Object value, @Nullable Class<?> type) {
    return name
        + " must be "
        + jsonType(type)
        + (value == null ? "" : ", was '" + quoted(String.valueOf(value)) + "'");
  }

  /** The JSON type a Java type is read from, as a reader of the API would say it. */
  static String jsonType(@Nullable Class<?> type) {
    if (type == null) {
      return "a valid value";
    }
    if (type == String.class
        || CharSequence.class.isAssignableFrom(type)
        || type == char.class
        || type == Character.class
        || type.isEnum()
        || Temporal.class.isAssignableFrom(type)
        || type == java.time.ZoneId.class
        || type == java.util.UUID.class) {
      return "a string";
    }
    if (type == boolean.class || type == Boolean.class) {
      return "true or false";
    }
    if (type == int.class
        || type == Integer.class
        || type == long.class
        || type == Long.class
        || type == short.class
        || type == Short.class
        || type == byte.class
        || type == Byte.class
        || type == BigInteger.class) {
      return "an integer";
    }
    if (type.isPrimitive() || Number.class.isAssignableFrom(type)) {
      return "a number";
    }
    if (type.isArray() || Collection.class.isAssignableFrom(type)) {
      return "an array";
    }
    if (Map.class.isAssignableFrom(type) || type.isRecord()) {
      return "an object";
    }
    return "an object";
  }

  /** {@code webhook.url}, {@code thresholds[2]}: where in the body the error is. */
  static String path(JacksonException error) {
    StringBuilder path = new StringBuilder();
    for (JacksonException.Reference ref : error.getPath()) {
      if (ref.getPropertyName() != null) {
        if (!path.isEmpty()) {
          path.append('.');
        }
        path.append(ref.getPropertyName());
      } else if (ref.getIndex() >= 0) {
        path.append('[').append(ref.getIndex()).append(']');
      }
    }
    return path.toString();
  }

  private static String was(Object value) {
    if (value instanceof Number) {
      return ", was a number";
    }
    if (value instanceof Boolean b) {
      return ", was " + b;
    }
    return ", was '" + quoted(String.valueOf(value)) + "'";
  }

  private static String was(@Nullable JsonToken token) {
    if (token == null) {
      return "";
    }
    return switch (token) {
      case VALUE_STRING -> ", was a string";
      case VALUE_NUMBER_INT, VALUE_NUMBER_FLOAT -> ", was a number";
      case VALUE_TRUE, VALUE_FALSE -> ", was " + token.asString();
      case VALUE_NULL -> ", was null";
      case START_ARRAY -> ", was an array";
      case START_OBJECT -> ", was an object";
      default -> "";
    };
  }

  private static String at(JacksonException error) {
    TokenStreamLocation where = error.getLocation();
    if (where == null || where.getLineNr() < 1) {
      return "";
    }
    return " (line " + where.getLineNr() + ", column " + where.getColumnNr() + ")";
  }

  static String quoted(String value) {
    String printable = value.replaceAll("\\p{Cntrl}", "?");
    return printable.length() > MAX_QUOTED ? printable.substring(0, MAX_QUOTED) + "..." : printable;
  }

  private static <T extends Throwable> @Nullable T find(@Nullable Throwable error, Class<T> type) {
    for (Throwable t = error; t != null; t = t.getCause() == t ? null : t.getCause()) {
      if (type.isInstance(t)) {
        return type.cast(t);
      }
    }
    return null;
  }
}

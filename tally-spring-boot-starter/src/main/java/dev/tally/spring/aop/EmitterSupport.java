package dev.tally.spring.aop;

import dev.tally.core.UsageStream;
import dev.tally.core.event.ErrorInfo;
import java.io.IOException;
import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.util.Set;
import java.util.function.Consumer;
import org.aopalliance.intercept.MethodInvocation;
import org.jspecify.annotations.Nullable;
import org.springframework.http.MediaType;
import org.springframework.web.context.request.NativeWebRequest;
import org.springframework.web.context.request.RequestContextHolder;
import org.springframework.web.context.request.ServletRequestAttributes;
import org.springframework.web.context.request.async.DeferredResult;
import org.springframework.web.context.request.async.DeferredResultProcessingInterceptor;
import org.springframework.web.context.request.async.WebAsyncUtils;
import org.springframework.web.servlet.mvc.method.annotation.ResponseBodyEmitter;
import org.springframework.web.servlet.mvc.method.annotation.ResponseBodyEmitter.DataWithMediaType;
import org.springframework.web.servlet.mvc.method.annotation.SseEmitter;

/**
 * Spring MVC's {@link ResponseBodyEmitter} and {@link SseEmitter} as one streamed operation; loaded
 * only when Spring MVC is on the classpath.
 *
 * <p>An emitter is written to later, from any thread, through its own methods, so nothing outside
 * it sees what is sent. The method's emitter is therefore connected to a <em>relay</em> of the same
 * class, which is what Spring MVC receives: the method's emitter hands each send, completion and
 * callback to the relay (through the emitter's own handler hook, which Spring MVC fills for the
 * emitter it receives; Tally fills it for the method's emitter), and the relay writes to the
 * response. On the way every sent item is fed to the stream. A send that fails with an {@link
 * IOException} (the client left), or a container error caused by one, ends the stream as cancelled;
 * {@code complete()} as a success; {@code completeWithError} and a timeout as failures.
 *
 * <p>Only {@code ResponseBodyEmitter} and {@code SseEmitter} themselves are relayed (a subclass may
 * change what is written). For a subclass, or if this Spring version's hook is not there, the
 * stream is still ended once by the emitter's completion, error and timeout callbacks, without the
 * delivered text.
 */
final class EmitterSupport {
  private static final String HANDLER_CLASS = ResponseBodyEmitter.class.getName() + "$Handler";
  // SseEmitter writes its framing ("data:", "\n\n") as text in this type; data comes in the
  // caller's type (none by default).
  private static final MediaType SSE_FRAMING = MediaType.parseMediaType("text/plain;charset=UTF-8");
  private static final @Nullable Hook HOOK = Hook.find();
  // The framing type instance last seen equal to SSE_FRAMING (a benign race: any thread may set
  // it).
  private static volatile @Nullable MediaType framingType;

  private EmitterSupport() {}

  static @Nullable Object track(
      StreamFeeder feeder, MethodInvocation invocation, Expressions expressions) throws Throwable {
    UsageStream stream = feeder.stream();
    Object result;
    try {
      result = invocation.proceed();
    } catch (Throwable t) {
      stream.fail(t);
      throw t;
    }
    if (result == null) {
      stream.attribute("tally.null_result", "true").complete();
      return null;
    }
    ResponseBodyEmitter emitter = (ResponseBodyEmitter) result;
    Class<?> type = emitter.getClass();
    if (HOOK == null || (type != SseEmitter.class && type != ResponseBodyEmitter.class)) {
      observeRequest(emitter, stream);
      return emitter;
    }
    ResponseBodyEmitter relay =
        type == SseEmitter.class
            ? new SseEmitter(emitter.getTimeout())
            : new ResponseBodyEmitter(emitter.getTimeout());
    // Every end the application announces passes through the relay; completion without one means
    // the exchange ended under it.
    observe(relay, stream, stream::cancel);
    try {
      HOOK.connect(emitter, new Relay(relay, feeder, type == SseEmitter.class));
    } catch (ReflectiveOperationException | RuntimeException e) {
      expressions.failure(
          "emitter-hook",
          "Tally: could not relay " + type.getSimpleName() + "; tracked without its text",
          e);
      observeRequest(emitter, stream);
      return emitter;
    }
    return relay;
  }

  /**
   * Without the relay: ends the stream from the request's asynchronous processing (Spring MVC runs
   * every emitter as a deferred result), which reports completion even when the emitter completed
   * before Spring MVC took it — the emitter's own callbacks are then never called. Outside a
   * request (a call from a plain thread) the emitter's callbacks are all there is.
   */
  private static void observeRequest(ResponseBodyEmitter emitter, UsageStream stream) {
    if (!(RequestContextHolder.getRequestAttributes()
        instanceof ServletRequestAttributes request)) {
      observe(emitter, stream, stream::complete);
      return;
    }
    WebAsyncUtils.getAsyncManager(request.getRequest())
        .registerDeferredResultInterceptor(
            "tally.stream." + System.identityHashCode(stream),
            new DeferredResultProcessingInterceptor() {
              @Override
              public <T> boolean handleTimeout(NativeWebRequest r, DeferredResult<T> result) {
                stream.fail(new ErrorInfo("tally.stream.timeout", "the emitter timed out"));
                return true;
              }

              @Override
              public <T> boolean handleError(
                  NativeWebRequest r, DeferredResult<T> result, Throwable error) {
                if (clientGone(error)) {
                  stream.cancel();
                } else {
                  stream.fail(error);
                }
                return true;
              }

              @Override
              public <T> void afterCompletion(NativeWebRequest r, DeferredResult<T> result) {
                stream.complete();
              }
            });
  }

  /**
   * Ends the stream from the emitter's lifecycle callbacks (Spring keeps every callback added): a
   * timeout fails it, a container error caused by an {@link IOException} cancels it (the client
   * left), any other error fails it, and {@code completed} runs when the request completes.
   */
  private static void observe(ResponseBodyEmitter emitter, UsageStream stream, Runnable completed) {
    emitter.onTimeout(
        () -> stream.fail(new ErrorInfo("tally.stream.timeout", "the emitter timed out")));
    emitter.onError(
        error -> {
          if (clientGone(error)) {
            stream.cancel();
          } else {
            stream.fail(error);
          }
        });
    emitter.onCompletion(completed);
  }

  private static boolean clientGone(@Nullable Throwable error) {
    for (Throwable t = error; t != null; t = t.getCause()) {
      if (t instanceof IOException) {
        return true;
      }
    }
    return false;
  }

  /** The method's emitter's handler: feeds the stream and forwards everything to the relay. */
  private record Relay(ResponseBodyEmitter relay, StreamFeeder feeder, boolean sse)
      implements InvocationHandler {

    @Override
    @SuppressWarnings("unchecked")
    public @Nullable Object invoke(Object proxy, Method method, @Nullable Object[] args)
        throws Throwable {
      UsageStream stream = feeder.stream();
      switch (method.getName()) {
        case "send" -> {
          Set<DataWithMediaType> items =
              args.length == 1
                  ? (Set<DataWithMediaType>) args[0]
                  : Set.of(new DataWithMediaType(args[0], (MediaType) args[1]));
          for (DataWithMediaType item : items) {
            if (!(sse && isFraming(item.getMediaType()))) {
              feeder.accept(item.getData());
            }
          }
          try {
            relay.send(items);
          } catch (IOException e) {
            stream.cancel();
            throw e;
          }
          return null;
        }
        case "complete" -> {
          stream.complete();
          relay.complete();
          return null;
        }
        case "completeWithError" -> {
          Throwable error = (Throwable) args[0];
          stream.fail(error);
          relay.completeWithError(error);
          return null;
        }
        case "onTimeout" -> {
          relay.onTimeout((Runnable) args[0]);
          return null;
        }
        case "onError" -> {
          relay.onError((Consumer<Throwable>) args[0]);
          return null;
        }
        case "onCompletion" -> {
          relay.onCompletion((Runnable) args[0]);
          return null;
        }
        case "toString" -> {
          return "TallyRelay[" + relay + "]";
        }
        case "hashCode" -> {
          return System.identityHashCode(proxy);
        }
        case "equals" -> {
          return proxy == args[0];
        }
        default -> throw new UnsupportedOperationException(method.getName());
      }
    }
  }

  /**
   * Whether an item of an SSE send is the emitter's own framing ({@code data:}, the blank line).
   * SseEmitter writes all its framing in one {@code MediaType} instance, so after the first match
   * the test is a reference comparison instead of {@code MediaType.equals} (which compares the
   * parameters case-insensitively: two of every event's three items would pay it).
   */
  private static boolean isFraming(@Nullable MediaType type) {
    if (type == null) {
      return false;
    }
    if (type == framingType) {
      return true;
    }
    if (SSE_FRAMING.equals(type)) {
      framingType = type;
      return true;
    }
    return false;
  }

  /** Spring MVC's package-private {@code ResponseBodyEmitter.initialize(Handler)}. */
  private record Hook(Class<?> handlerType, Method initialize) {
    static @Nullable Hook find() {
      try {
        Class<?> handler =
            Class.forName(HANDLER_CLASS, false, ResponseBodyEmitter.class.getClassLoader());
        Method initialize = ResponseBodyEmitter.class.getDeclaredMethod("initialize", handler);
        initialize.setAccessible(true);
        return new Hook(handler, initialize);
      } catch (ReflectiveOperationException | RuntimeException e) {
        return null;
      }
    }

    void connect(ResponseBodyEmitter emitter, InvocationHandler relay)
        throws ReflectiveOperationException {
      Object handler =
          Proxy.newProxyInstance(handlerType.getClassLoader(), new Class<?>[] {handlerType}, relay);
      try {
        initialize.invoke(emitter, handler);
      } catch (InvocationTargetException e) {
        // Early sends replayed into the relay; the relay buffers them, so this is not a send error.
        if (e.getCause() instanceof RuntimeException r) {
          throw r;
        }
        throw e;
      }
    }
  }
}

package dev.tally.server.chat;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import java.util.ArrayList;
import java.util.List;
import org.jspecify.annotations.Nullable;
import org.springframework.beans.factory.config.BeanPostProcessor;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.MethodParameter;
import org.springframework.web.context.request.NativeWebRequest;
import org.springframework.web.method.support.HandlerMethodReturnValueHandler;
import org.springframework.web.method.support.ModelAndViewContainer;
import org.springframework.web.servlet.mvc.method.annotation.RequestMappingHandlerAdapter;
import org.springframework.web.servlet.mvc.method.annotation.RequestResponseBodyMethodProcessor;
import org.springframework.web.servlet.mvc.method.annotation.ResponseBodyEmitter;
import org.springframework.web.servlet.mvc.method.annotation.ResponseBodyEmitterReturnValueHandler;

/**
 * Lets one handler method answer either with a JSON body or with a server-sent event stream,
 * decided by the request ({@code "stream": true}). Spring MVC picks the return value handler by the
 * declared return type, so a method annotated {@link Handles} returns {@code Object} and this
 * handler, placed first, hands an emitter to Spring's emitter handler and anything else to its
 * {@code @ResponseBody} handler.
 */
@Configuration(proxyBeanMethods = false)
class EmitterOrBody {

  /** Marks a handler method whose {@code Object} result is an emitter or a response body. */
  @Target(ElementType.METHOD)
  @Retention(RetentionPolicy.RUNTIME)
  @interface Handles {}

  @Bean
  static BeanPostProcessor emitterOrBodyReturnValues() {
    return new BeanPostProcessor() {
      @Override
      public Object postProcessAfterInitialization(Object bean, String name) {
        if (bean instanceof RequestMappingHandlerAdapter adapter) {
          install(adapter);
        }
        return bean;
      }
    };
  }

  static void install(RequestMappingHandlerAdapter adapter) {
    List<HandlerMethodReturnValueHandler> handlers = adapter.getReturnValueHandlers();
    if (handlers == null) {
      return;
    }
    ResponseBodyEmitterReturnValueHandler emitters = null;
    RequestResponseBodyMethodProcessor bodies = null;
    for (HandlerMethodReturnValueHandler h : handlers) {
      if (emitters == null && h instanceof ResponseBodyEmitterReturnValueHandler e) {
        emitters = e;
      } else if (bodies == null && h instanceof RequestResponseBodyMethodProcessor b) {
        bodies = b;
      }
    }
    if (emitters == null || bodies == null) {
      throw new IllegalStateException("Spring MVC's emitter and body handlers were not found");
    }
    List<HandlerMethodReturnValueHandler> ordered = new ArrayList<>(handlers.size() + 1);
    ordered.add(new Handler(emitters, bodies));
    ordered.addAll(handlers);
    adapter.setReturnValueHandlers(ordered);
  }

  private record Handler(
      ResponseBodyEmitterReturnValueHandler emitters, RequestResponseBodyMethodProcessor bodies)
      implements HandlerMethodReturnValueHandler {

    @Override
    public boolean supportsReturnType(MethodParameter returnType) {
      return returnType.hasMethodAnnotation(Handles.class);
    }

    @Override
    public void handleReturnValue(
        @Nullable Object value,
        MethodParameter returnType,
        ModelAndViewContainer container,
        NativeWebRequest request)
        throws Exception {
      if (value instanceof ResponseBodyEmitter) {
        emitters.handleReturnValue(value, returnType, container, request);
      } else {
        bodies.handleReturnValue(value, returnType, container, request);
      }
    }
  }
}

package dev.tally.springai.internal;

import org.reactivestreams.Subscriber;
import org.springframework.ai.chat.client.ChatClientRequest;
import org.springframework.ai.chat.client.ChatClientResponse;
import org.springframework.ai.chat.client.advisor.api.StreamAdvisor;
import org.springframework.ai.chat.client.advisor.api.StreamAdvisorChain;
import org.springframework.core.Ordered;
import reactor.core.publisher.Flux;
import reactor.core.publisher.SignalType;

/**
 * Sits last before the model in every {@code ChatClient} stream (after the tool-calling advisor, so
 * it sees each round) and feeds the round the model's observation tracks with the chunks it relays:
 * the delivered text and the usage chunk with its native details. It records nothing itself, so a
 * ChatClient round is never counted twice.
 */
public final class RoundAdvisor implements StreamAdvisor {
  /** Just before Spring AI's own model advisors, which are {@link Ordered#LOWEST_PRECEDENCE}. */
  public static final int ORDER = Ordered.LOWEST_PRECEDENCE - 1;

  private final RoundRecorder recorder;

  public RoundAdvisor(RoundRecorder recorder) {
    this.recorder = recorder;
  }

  @Override
  public Flux<ChatClientResponse> adviseStream(
      ChatClientRequest request, StreamAdvisorChain chain) {
    Flux<ChatClientResponse> rest = chain.nextStream(request);
    return Flux.deferContextual(
        context -> {
          RoundLink link = new RoundLink();
          // The subject captured into Reactor's context on the request thread (Spring MVC does so
          // for a returned Flux when context propagation is present): the model's observation
          // starts on this thread, inside the subscribe below.
          String subject = context.getOrDefault(SubjectThreadLocalAccessor.KEY, null);
          Flux<ChatClientResponse> linked =
              Flux.from(
                  (Subscriber<? super ChatClientResponse> subscriber) -> {
                    RoundLink previous = RoundLink.open();
                    String previousSubject = CurrentSubject.get();
                    RoundLink.open(link);
                    if (subject != null) {
                      CurrentSubject.set(subject);
                    }
                    try {
                      rest.subscribe(subscriber);
                    } finally {
                      RoundLink.open(previous);
                      CurrentSubject.set(previousSubject);
                    }
                  });
          return linked
              .doOnNext(
                  response -> {
                    ChatRound round = link.round();
                    if (round != null) {
                      try {
                        recorder.chunk(round, response.chatResponse());
                      } catch (RuntimeException e) {
                        // never break the stream for tracking
                      }
                    }
                  })
              .doFinally(
                  signal -> {
                    ChatRound round = link.round();
                    if (round != null) {
                      recorder.relayEnded(round, signal == SignalType.CANCEL);
                    }
                  });
        });
  }

  @Override
  public String getName() {
    return "tally-round";
  }

  @Override
  public int getOrder() {
    return ORDER;
  }
}

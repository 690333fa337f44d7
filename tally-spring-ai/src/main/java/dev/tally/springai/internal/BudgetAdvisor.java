package dev.tally.springai.internal;

import dev.tally.core.budget.BudgetGuard;
import dev.tally.core.event.UsageEvent;
import dev.tally.springai.SubjectResolver;
import dev.tally.springai.TallyBudgetExceededException;
import java.util.Optional;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.ai.chat.client.ChatClientRequest;
import org.springframework.ai.chat.client.ChatClientResponse;
import org.springframework.ai.chat.client.advisor.api.CallAdvisor;
import org.springframework.ai.chat.client.advisor.api.CallAdvisorChain;
import org.springframework.ai.chat.client.advisor.api.StreamAdvisor;
import org.springframework.ai.chat.client.advisor.api.StreamAdvisorChain;
import org.springframework.core.Ordered;
import reactor.core.publisher.Flux;

/**
 * First in every {@code ChatClient} call: refuses the call with {@link
 * TallyBudgetExceededException} when the subject is over a blocking budget, before any other
 * advisor runs and before the model is reached. A guard that fails lets the call through (tracking
 * never breaks the business call).
 */
public final class BudgetAdvisor implements CallAdvisor, StreamAdvisor {
  public static final int ORDER = Ordered.HIGHEST_PRECEDENCE;

  private static final Logger log = LoggerFactory.getLogger(BudgetAdvisor.class);

  private final BudgetGuard guard;
  private final SubjectResolver subjects;

  public BudgetAdvisor(BudgetGuard guard, SubjectResolver subjects) {
    this.guard = guard;
    this.subjects = subjects;
  }

  @Override
  public ChatClientResponse adviseCall(ChatClientRequest request, CallAdvisorChain chain) {
    TallyBudgetExceededException refusal = refusal();
    if (refusal != null) {
      throw refusal;
    }
    return chain.nextCall(request);
  }

  @Override
  public Flux<ChatClientResponse> adviseStream(
      ChatClientRequest request, StreamAdvisorChain chain) {
    Flux<ChatClientResponse> rest = chain.nextStream(request);
    return Flux.deferContextual(
        context -> {
          String propagated = context.getOrDefault(SubjectThreadLocalAccessor.KEY, null);
          TallyBudgetExceededException refusal = refusal(propagated);
          return refusal != null ? Flux.error(refusal) : rest;
        });
  }

  private @Nullable TallyBudgetExceededException refusal() {
    return refusal(null);
  }

  private @Nullable TallyBudgetExceededException refusal(@Nullable String propagated) {
    String subject;
    Optional<BudgetGuard.Refusal> refused;
    try {
      String current = propagated != null ? propagated : subjects.currentSubject();
      subject = current == null || current.isBlank() ? UsageEvent.ANONYMOUS : current;
      refused = guard.check(subject);
    } catch (RuntimeException e) {
      log.debug("Tally: budget check failed; the call goes on", e);
      return null;
    }
    return refused.map(r -> new TallyBudgetExceededException(subject, r)).orElse(null);
  }

  @Override
  public String getName() {
    return "tally-budget";
  }

  @Override
  public int getOrder() {
    return ORDER;
  }
}

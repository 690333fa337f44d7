package dev.tally.examples.springai;

import org.springframework.ai.chat.client.ChatClient;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;
import reactor.core.publisher.Flux;

/** Business code only: ask the model, answer the caller. */
@RestController
class ChatController {
  private final ChatClient chat;

  ChatController(ChatClient.Builder builder) {
    this.chat = builder.defaultSystem("You are a concise assistant.").build();
  }

  @GetMapping("/chat")
  String chat(@RequestParam String q) {
    return chat.prompt().user(q).call().content();
  }

  @GetMapping("/chat/stream")
  Flux<String> stream(@RequestParam String q) {
    return chat.prompt().user(q).stream().content();
  }
}

package dev.tally.server.web;

import io.swagger.v3.oas.models.Components;
import io.swagger.v3.oas.models.OpenAPI;
import io.swagger.v3.oas.models.info.Info;
import io.swagger.v3.oas.models.security.SecurityRequirement;
import io.swagger.v3.oas.models.security.SecurityScheme;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/** The OpenAPI document (served by springdoc at /v3/api-docs, Swagger UI at /swagger-ui.html). */
@Configuration(proxyBeanMethods = false)
class OpenApiConfiguration {

  @Bean
  OpenAPI tallyOpenApi() {
    return new OpenAPI()
        .info(
            new Info()
                .title("Tally reference chat server")
                .description(
                    "Chat tracked by Tally, and the usage API. Send 'Authorization: Bearer <api"
                        + " key>'; without it you are anonymous.")
                .version("0.1.0"))
        .components(
            new Components()
                .addSecuritySchemes(
                    "apiKey",
                    new SecurityScheme()
                        .type(SecurityScheme.Type.HTTP)
                        .scheme("bearer")
                        .description("An API key created by an admin")))
        .addSecurityItem(new SecurityRequirement().addList("apiKey"));
  }
}

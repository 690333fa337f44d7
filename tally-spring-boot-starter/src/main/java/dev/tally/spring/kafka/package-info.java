/**
 * Tally over Kafka in Spring Boot: the {@code tally.kafka.*} properties, roles, health and meters.
 */
@NullMarked
package dev.tally.spring.kafka;

import org.jspecify.annotations.NullMarked;

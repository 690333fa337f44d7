@NullMarked
package dev.tally.server.gateway;

import org.jspecify.annotations.NullMarked;

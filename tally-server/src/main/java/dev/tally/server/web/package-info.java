/** Problem responses (RFC 9457) for every error of the HTTP API. */
@NullMarked
package dev.tally.server.web;

import org.jspecify.annotations.NullMarked;

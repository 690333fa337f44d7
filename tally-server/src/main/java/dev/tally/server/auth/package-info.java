/** API keys, the admin key and the caller of a request. */
@NullMarked
package dev.tally.server.auth;

import org.jspecify.annotations.NullMarked;

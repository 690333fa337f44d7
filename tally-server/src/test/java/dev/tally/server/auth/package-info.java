/** Tests of API keys and the admin key. */
@NullMarked
package dev.tally.server.auth;

import org.jspecify.annotations.NullMarked;

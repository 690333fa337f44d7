/**
 * Implementation of the JDBC store. <b>Not public API</b>: anything here may change in any release
 * without notice.
 */
@NullMarked
package dev.tally.jdbc.internal;

import org.jspecify.annotations.NullMarked;

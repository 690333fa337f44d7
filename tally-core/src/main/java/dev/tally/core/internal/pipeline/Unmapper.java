package dev.tally.core.internal.pipeline;

import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.lang.reflect.Field;
import java.nio.ByteBuffer;
import java.nio.MappedByteBuffer;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Unmaps a {@link MappedByteBuffer} at once through {@code sun.misc.Unsafe.invokeCleaner} (module
 * {@code jdk.unsupported}, as Kafka and Lucene do). Without it a deleted segment's blocks stay
 * allocated until a GC collects the buffer, which may be never in a quiet old generation, and the
 * journal's size cap would not hold. Falls back to waiting for the GC when unavailable.
 */
final class Unmapper {
  private static final Logger log = LoggerFactory.getLogger(Unmapper.class);
  private static final @Nullable MethodHandle INVOKE_CLEANER = find();

  private Unmapper() {}

  private static @Nullable MethodHandle find() {
    try {
      Class<?> unsafeClass = Class.forName("sun.misc.Unsafe");
      Field field = unsafeClass.getDeclaredField("theUnsafe");
      field.setAccessible(true);
      Object unsafe = field.get(null);
      return MethodHandles.lookup()
          .findVirtual(
              unsafeClass, "invokeCleaner", MethodType.methodType(void.class, ByteBuffer.class))
          .bindTo(unsafe);
    } catch (ReflectiveOperationException | RuntimeException e) {
      log.debug("Tally journal: cannot unmap segments at once, the GC will: {}", e.toString());
      return null;
    }
  }

  static void unmap(MappedByteBuffer buffer) {
    MethodHandle cleaner = INVOKE_CLEANER;
    if (cleaner == null) {
      return;
    }
    try {
      cleaner.invokeExact((ByteBuffer) buffer);
    } catch (Throwable e) {
      log.debug("Tally journal: unmapping failed, the GC will: {}", e.toString());
    }
  }
}

package org.beatgan.core.util;

import org.junit.jupiter.api.Test;
import org.nd4j.linalg.factory.Nd4j;

import static org.junit.jupiter.api.Assertions.*;

/** Native threads changed inside the JVM, and the launcher's variables read strictly. */
class NativeThreadsTest {

    @Test
    void threadsChangeAtRuntimeAndBadCountsAreClearErrors() {
        int before = Nd4j.getEnvironment().maxThreads();
        try {
            NativeThreads.use(1);
            assertEquals(1, Nd4j.getEnvironment().maxThreads());
            NativeThreads.use(2);
            assertEquals(2, Nd4j.getEnvironment().maxThreads());
            assertEquals(2, NativeThreads.useFromEnvironment("BEATGAN_THREADS_NOT_SET_IN_ANY_TEST"),
                    "an unset variable changes nothing");
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> NativeThreads.use(0));
            assertTrue(e.getMessage().contains("threads = 0"), e.getMessage());
        } finally {
            NativeThreads.use(before);
        }
    }
}

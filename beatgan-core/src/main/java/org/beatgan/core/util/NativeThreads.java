package org.beatgan.core.util;

import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.nativeblas.NativeOpsHolder;

/**
 * The native threads per op, changed inside a running JVM: libnd4j's own loops (its environment's
 * thread counts) and OpenMP's, which oneDNN's convolutions use, for the calling thread (OpenMP
 * keeps the count per thread; threads started later keep the process's {@code OMP_NUM_THREADS}).
 * The launcher decides the counts (its table of threads per command kind); a command whose phases
 * differ from its kind's default applies the kind it runs as here.
 */
public final class NativeThreads {

    private NativeThreads() {
    }

    /** Applies {@code threads} (>= 1) to libnd4j and to this thread's OpenMP. */
    public static void use(int threads) {
        if (threads < 1) throw new IllegalArgumentException("threads = " + threads + ", expected >= 1");
        Nd4j.getEnvironment().setMaxThreads(threads);
        Nd4j.getEnvironment().setMaxMasterThreads(threads);
        NativeOpsHolder.getInstance().getDeviceNativeOps().setOmpNumThreads(threads);
    }

    /**
     * Applies the thread count the launcher exports in {@code variable} (e.g.
     * {@code BEATGAN_THREADS_IMAGES}), if it is set; returns the count now in use.
     */
    public static int useFromEnvironment(String variable) {
        String v = System.getenv(variable);
        if (v != null && !v.isBlank()) {
            try {
                use(Integer.parseInt(v.trim()));
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException(variable + "=" + v + ": expected a thread count");
            }
        }
        return Nd4j.getEnvironment().maxThreads();
    }
}

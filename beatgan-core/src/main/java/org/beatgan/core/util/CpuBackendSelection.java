package org.beatgan.core.util;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

/**
 * Selects the oneDNN build of ND4J's CPU backend ({@code nd4j-native:linux-x86_64-onednn-avx2}, a
 * dependency of the default build) when it can run here. On BeatGAN's shapes it trains the
 * student about 1.5-2x and scores it 2-3x faster than the stock build (docs/performance.md).
 *
 * <p>JavaCPP reads {@value #PROPERTY} once, when ND4J's backend loads, so {@link #apply()} must run
 * before any ND4J class is touched: the command-line entry points call it first. It changes
 * nothing when the user set the property (even to an empty value), when the CUDA backend is on the
 * class path, when the oneDNN binaries are absent, or when the CPU lacks AVX2.
 */
public final class CpuBackendSelection {

    public static final String PROPERTY = "org.bytedeco.javacpp.platform.extension";
    public static final String ONEDNN = "-onednn-avx2";
    private static final String ONEDNN_LIBRARY =
            "org/nd4j/linalg/cpu/nativecpu/bindings/linux-x86_64" + ONEDNN + "/libjnind4jcpu.so";

    private CpuBackendSelection() {
    }

    /**
     * True unless ND4J's CUDA backend is on the class path. The Java kernels that read and write
     * arrays' memory directly (float batch norm, sgemm scoring) assume host memory, so they run
     * only on the CPU backend; elsewhere the libnd4j kernels serve.
     */
    public static boolean cpuBackend() {
        return CPU_BACKEND;
    }

    /** Looked up once: scoring asks on every call, and a class-path lookup searches every jar. */
    private static final boolean CPU_BACKEND = CpuBackendSelection.class.getClassLoader()
            .getResource("org/nd4j/linalg/jcublas/JCublasBackend.class") == null;

    /** Sets the property to {@value #ONEDNN} where possible; returns what the backend will load. */
    public static String apply() {
        if (System.getProperty(PROPERTY) != null) {
            return System.getProperty(PROPERTY);
        }
        ClassLoader cl = CpuBackendSelection.class.getClassLoader();
        if (cpuBackend() && cl.getResource(ONEDNN_LIBRARY) != null && cpuHasAvx2(Path.of("/proc/cpuinfo"))) {
            System.setProperty(PROPERTY, ONEDNN);
            return ONEDNN;
        }
        return "";
    }

    static boolean cpuHasAvx2(Path cpuinfo) {
        try (Stream<String> lines = Files.lines(cpuinfo)) {
            return lines.filter(l -> l.startsWith("flags"))
                    .anyMatch(l -> (" " + l.substring(l.indexOf(':') + 1) + " ").contains(" avx2 "));
        } catch (IOException | RuntimeException e) {
            return false;
        }
    }
}

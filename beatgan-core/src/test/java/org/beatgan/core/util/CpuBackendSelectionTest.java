package org.beatgan.core.util;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class CpuBackendSelectionTest {

    @Test
    void avx2IsReadFromTheFlagsLineAsAWholeWord(@TempDir Path dir) throws Exception {
        Path withAvx2 = Files.writeString(dir.resolve("a"), "processor\t: 0\nflags\t\t: fpu sse4_2 avx avx2 fma\n");
        Path withoutAvx2 = Files.writeString(dir.resolve("b"), "processor\t: 0\nflags\t\t: fpu sse4_2 avx avx2x\n");
        Path flagsElsewhere = Files.writeString(dir.resolve("c"), "model name\t: avx2 marketing name\n");
        assertTrue(CpuBackendSelection.cpuHasAvx2(withAvx2));
        assertFalse(CpuBackendSelection.cpuHasAvx2(withoutAvx2));
        assertFalse(CpuBackendSelection.cpuHasAvx2(flagsElsewhere));
        assertFalse(CpuBackendSelection.cpuHasAvx2(dir.resolve("missing")));
    }

    @Test
    void anExplicitChoiceIsKept() {
        String before = System.getProperty(CpuBackendSelection.PROPERTY);
        try {
            System.setProperty(CpuBackendSelection.PROPERTY, "");
            assertEquals("", CpuBackendSelection.apply());
            assertEquals("", System.getProperty(CpuBackendSelection.PROPERTY));
        } finally {
            if (before == null) {
                System.clearProperty(CpuBackendSelection.PROPERTY);
            } else {
                System.setProperty(CpuBackendSelection.PROPERTY, before);
            }
        }
    }
}

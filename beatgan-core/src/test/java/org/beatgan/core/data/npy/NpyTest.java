package org.beatgan.core.data.npy;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

import org.beatgan.core.data.TestData;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class NpyTest {

    @TempDir
    Path dir;

    @Test
    void roundTripsFloat32Float64AndInt32() throws Exception {
        Path f = dir.resolve("f.npy");
        float[] data = {1.5f, -2f, 3.25f, Float.MAX_VALUE, 0f, -0f};
        Npy.writeFloat32(f, data, 2, 3);
        NpyArray a = Npy.read(f);
        assertEquals("f4", a.dtype());
        assertArrayEquals(new int[] {2, 3}, a.shape());
        assertArrayEquals(data, a.asFloats());

        Npy.writeFloat64(f, new double[] {Math.PI, -1e300}, 2);
        NpyArray d = Npy.read(f);
        assertEquals("f8", d.dtype());
        assertArrayEquals(new double[] {Math.PI, -1e300}, d.asDoubles());
        assertEquals((float) Math.PI, d.asFloats()[0]);

        Npy.writeInt32(f, new int[] {7, -8, Integer.MAX_VALUE}, 3, 1);
        NpyArray i = Npy.read(f);
        assertArrayEquals(new int[] {7, -8, Integer.MAX_VALUE}, i.asInts());
        assertEquals(-8.0, i.asDoubles()[1]);
        assertThrows(IllegalStateException.class, () -> d.asInts());
    }

    @Test
    void writesNumpysHeaderLayout() throws Exception {
        Path f = dir.resolve("h.npy");
        Npy.writeFloat32(f, new float[6], 6);
        byte[] b = Files.readAllBytes(f);
        assertEquals(0x93, b[0] & 0xFF);
        assertEquals("NUMPY", new String(b, 1, 5, StandardCharsets.US_ASCII));
        int headerLen = (b[8] & 0xFF) | (b[9] & 0xFF) << 8;
        assertEquals(0, (10 + headerLen) % 64, "data is 64-byte aligned like NumPy's");
        String header = new String(b, 10, headerLen, StandardCharsets.ISO_8859_1);
        assertTrue(header.startsWith("{'descr': '<f4', 'fortran_order': False, 'shape': (6,), }"), header);
        assertTrue(header.endsWith("\n"));
        assertEquals(10 + headerLen + 24, b.length);
        Npy.writeInt32(f, new int[0], 0, 2, 320);
        assertArrayEquals(new int[] {0, 2, 320}, Npy.read(f).shape());
    }

    @Test
    void readsBeatGansDemoFile() throws Exception {
        NpyArray a = Npy.read(TestData.demo().resolve("normal_samples.npy"));
        assertEquals("f8", a.dtype());
        assertArrayEquals(new int[] {64, 2, 320}, a.shape());
        assertEquals(-0.02930724, a.asDoubles()[0], 1e-8);
    }

    @Test
    void readsBigEndianAndVersion2Headers() throws Exception {
        Path f = dir.resolve("be.npy");
        ByteBuffer data = ByteBuffer.allocate(16).order(ByteOrder.BIG_ENDIAN).putDouble(1.25).putDouble(-3);
        Files.write(f, npy(2, "{'descr': '>f8', 'fortran_order': False, 'shape': (2,), }", data.array()));
        assertArrayEquals(new double[] {1.25, -3}, Npy.read(f).asDoubles());
        ByteBuffer longs = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(42);
        Files.write(f, npy(1, "{'descr': '<i8', 'fortran_order': False, 'shape': (1, 1), }", longs.array()));
        assertArrayEquals(new int[] {42}, Npy.read(f).asInts());
    }

    @Test
    void reportsDefectsWithTheFileName() throws Exception {
        Path f = dir.resolve("bad.npy");
        Npy.writeFloat32(f, new float[10], 10);
        byte[] good = Files.readAllBytes(f);
        Files.write(f, Arrays.copyOf(good, good.length - 1));
        assertProblem(f, "truncated: shape (10,) of <f4 needs 40 data bytes, file has 39");
        Files.write(f, Arrays.copyOf(good, good.length + 4));
        assertProblem(f, "4 unexpected bytes");
        Files.write(f, Arrays.copyOf(good, 40));
        assertProblem(f, "truncated header");
        Files.write(f, new byte[3]);
        assertProblem(f, "not a .npy file");
        byte[] magic = good.clone();
        magic[1] = 'X';
        Files.write(f, magic);
        assertProblem(f, "bad magic");
        Files.write(f, npy(1, "{'descr': '<f8', 'fortran_order': True, 'shape': (1,), }", new byte[8]));
        assertProblem(f, "Fortran");
        Files.write(f, npy(1, "{'descr': '<c16', 'fortran_order': False, 'shape': (1,), }", new byte[16]));
        assertProblem(f, "unsupported dtype '<c16'");
        Files.write(f, npy(1, "{'descr': '|b1', 'fortran_order': False, 'shape': (1,), }", new byte[1]));
        assertProblem(f, "unsupported dtype '|b1'");
        Files.write(f, npy(1, "{'descr': '<f8', 'shape': (1,), }", new byte[8]));
        assertProblem(f, "corrupt header");
        Files.write(f, npy(1, "{'descr': '<f8', 'fortran_order': False, 'shape': (-1,), }", new byte[8]));
        assertProblem(f, "corrupt shape");
        assertProblem(dir.resolve("none.npy"), "file not found");
    }

    private static void assertProblem(Path f, String problem) {
        NpyFormatException e = assertThrows(NpyFormatException.class, () -> Npy.read(f));
        assertTrue(e.getMessage().startsWith(f.toString()) && e.getMessage().contains(problem), e.getMessage());
    }

    private static byte[] npy(int major, String dict, byte[] data) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(0x93);
        out.writeBytes("NUMPY".getBytes(StandardCharsets.US_ASCII));
        out.write(major);
        out.write(0);
        byte[] h = (dict + "\n").getBytes(StandardCharsets.ISO_8859_1);
        out.write(h.length & 0xFF);
        out.write(h.length >> 8);
        if (major >= 2) {
            out.write(0);
            out.write(0);
        }
        out.writeBytes(h);
        out.writeBytes(data);
        return out.toByteArray();
    }
}

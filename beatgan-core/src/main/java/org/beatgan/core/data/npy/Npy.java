package org.beatgan.core.data.npy;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Minimal reader and writer for NumPy's {@code .npy} format (versions 1.0-3.0, C order).
 *
 * <p>Hand-written instead of going through ND4J so that reading a data file does not load ND4J's
 * native backend, and so that every defect (wrong dtype, truncated data, Fortran order) is reported
 * with the file name and the exact problem instead of a native-side failure.
 */
public final class Npy {

    private static final byte[] MAGIC = {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y'};
    private static final Pattern DESCR = Pattern.compile("'descr'\\s*:\\s*'([^']*)'");
    private static final Pattern FORTRAN = Pattern.compile("'fortran_order'\\s*:\\s*(True|False)");
    private static final Pattern SHAPE = Pattern.compile("'shape'\\s*:\\s*\\(([^)]*)\\)");
    private static final int CHUNK = 1 << 22;

    private Npy() {
    }

    /** Reads a float32, float64, int32 or int64 array. */
    public static NpyArray read(Path file) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            long fileSize = ch.size();
            Header h = readHeader(ch, file, fileSize);
            long count = 1;
            for (int d : h.shape) {
                count *= d;
            }
            long expected = count * h.itemSize;
            long actual = fileSize - h.dataOffset;
            if (actual < expected) {
                throw new NpyFormatException(file, "truncated: shape " + shapeString(h.shape) + " of " + h.descr
                        + " needs " + expected + " data bytes, file has " + actual);
            }
            if (actual > expected) {
                throw new NpyFormatException(file, "corrupt: " + (actual - expected)
                        + " unexpected bytes after the data of shape " + shapeString(h.shape));
            }
            if (count > Integer.MAX_VALUE - 8) {
                throw new NpyFormatException(file, "array too large for one Java array: " + count + " elements");
            }
            int n = (int) count;
            ch.position(h.dataOffset);
            Object data;
            switch (h.kind) {
                case 'f':
                    data = h.itemSize == 4 ? readFloats(ch, n, h.order) : readDoubles(ch, n, h.order);
                    break;
                default:
                    data = h.itemSize == 4 ? readInts(ch, n, h.order) : readLongs(ch, n, h.order);
                    break;
            }
            return new NpyArray(h.kind + Integer.toString(h.itemSize), h.shape, data);
        } catch (NoSuchFileException e) {
            throw new NpyFormatException(file, "file not found");
        }
    }

    /** Writes {@code data} as a little-endian float32 array of the given C-order shape. */
    public static void writeFloat32(Path file, float[] data, int... shape) throws IOException {
        checkSize(data.length, shape);
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
            writeFully(ch, header("<f4", shape));
            ByteBuffer buf = ByteBuffer.allocate(CHUNK).order(ByteOrder.LITTLE_ENDIAN);
            for (int off = 0; off < data.length; ) {
                int k = Math.min(CHUNK / 4, data.length - off);
                buf.clear();
                buf.asFloatBuffer().put(data, off, k);
                buf.limit(k * 4);
                writeFully(ch, buf);
                off += k;
            }
        }
    }

    /** Writes {@code data} as a little-endian float64 array of the given C-order shape. */
    public static void writeFloat64(Path file, double[] data, int... shape) throws IOException {
        checkSize(data.length, shape);
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
            writeFully(ch, header("<f8", shape));
            ByteBuffer buf = ByteBuffer.allocate(CHUNK).order(ByteOrder.LITTLE_ENDIAN);
            for (int off = 0; off < data.length; ) {
                int k = Math.min(CHUNK / 8, data.length - off);
                buf.clear();
                buf.asDoubleBuffer().put(data, off, k);
                buf.limit(k * 8);
                writeFully(ch, buf);
                off += k;
            }
        }
    }

    /** Writes {@code data} as a little-endian int32 array of the given C-order shape. */
    public static void writeInt32(Path file, int[] data, int... shape) throws IOException {
        checkSize(data.length, shape);
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
            writeFully(ch, header("<i4", shape));
            ByteBuffer buf = ByteBuffer.allocate(CHUNK).order(ByteOrder.LITTLE_ENDIAN);
            for (int off = 0; off < data.length; ) {
                int k = Math.min(CHUNK / 4, data.length - off);
                buf.clear();
                buf.asIntBuffer().put(data, off, k);
                buf.limit(k * 4);
                writeFully(ch, buf);
                off += k;
            }
        }
    }

    private static void checkSize(int length, int[] shape) {
        long n = 1;
        for (int d : shape) {
            if (d < 0) {
                throw new IllegalArgumentException("negative dimension in shape " + shapeString(shape));
            }
            n *= d;
        }
        if (n != length) {
            throw new IllegalArgumentException("shape " + shapeString(shape) + " has " + n + " elements, data has "
                    + length);
        }
    }

    private static ByteBuffer header(String descr, int[] shape) {
        String dict = "{'descr': '" + descr + "', 'fortran_order': False, 'shape': " + shapeString(shape) + ", }";
        // NumPy pads the header with spaces and a final newline so the data starts 64-byte aligned.
        int unpadded = MAGIC.length + 2 + 2 + dict.length() + 1;
        int pad = (64 - unpadded % 64) % 64;
        String text = dict + " ".repeat(pad) + "\n";
        ByteBuffer b = ByteBuffer.allocate(MAGIC.length + 4 + text.length()).order(ByteOrder.LITTLE_ENDIAN);
        b.put(MAGIC).put((byte) 1).put((byte) 0).putShort((short) text.length());
        b.put(text.getBytes(StandardCharsets.ISO_8859_1));
        b.flip();
        return b;
    }

    private static String shapeString(int[] shape) {
        StringBuilder sb = new StringBuilder("(");
        for (int i = 0; i < shape.length; i++) {
            sb.append(shape[i]);
            if (shape.length == 1 || i < shape.length - 1) {
                sb.append(",");
            }
            if (i < shape.length - 1) {
                sb.append(" ");
            }
        }
        return sb.append(")").toString();
    }

    private static final class Header {
        String descr;
        char kind;
        int itemSize;
        ByteOrder order;
        int[] shape;
        long dataOffset;
    }

    private static Header readHeader(FileChannel ch, Path file, long fileSize) throws IOException {
        if (fileSize < 10) {
            throw new NpyFormatException(file, "not a .npy file (only " + fileSize + " bytes)");
        }
        ByteBuffer pre = ByteBuffer.allocate(12).order(ByteOrder.LITTLE_ENDIAN);
        readFully(ch, pre, file);
        pre.flip();
        for (byte m : MAGIC) {
            if (pre.get() != m) {
                throw new NpyFormatException(file, "not a .npy file (bad magic bytes)");
            }
        }
        int major = pre.get() & 0xFF;
        pre.get();
        long headerLen;
        long headerStart;
        if (major == 1) {
            headerLen = pre.getShort() & 0xFFFF;
            headerStart = 10;
        } else if (major == 2 || major == 3) {
            headerLen = pre.getInt() & 0xFFFFFFFFL;
            headerStart = 12;
        } else {
            throw new NpyFormatException(file, "unsupported .npy format version " + major);
        }
        if (headerStart + headerLen > fileSize) {
            throw new NpyFormatException(file, "truncated header (needs " + (headerStart + headerLen)
                    + " bytes, file has " + fileSize + ")");
        }
        if (headerLen > 1 << 20) {
            throw new NpyFormatException(file, "corrupt header length " + headerLen);
        }
        ByteBuffer hb = ByteBuffer.allocate((int) headerLen);
        ch.position(headerStart);
        readFully(ch, hb, file);
        String text = new String(hb.array(), major == 3 ? StandardCharsets.UTF_8 : StandardCharsets.ISO_8859_1);
        Matcher d = DESCR.matcher(text);
        Matcher f = FORTRAN.matcher(text);
        Matcher s = SHAPE.matcher(text);
        if (!d.find() || !f.find() || !s.find()) {
            throw new NpyFormatException(file, "corrupt header: '" + text.strip() + "'");
        }
        Header h = new Header();
        h.descr = d.group(1);
        if (h.descr.length() != 3 || "<>|=".indexOf(h.descr.charAt(0)) < 0) {
            throw new NpyFormatException(file, "unsupported dtype '" + h.descr
                    + "' (expected float32/float64/int32/int64)");
        }
        h.kind = h.descr.charAt(1);
        h.itemSize = h.descr.charAt(2) - '0';
        boolean known = (h.kind == 'f' || h.kind == 'i') && (h.itemSize == 4 || h.itemSize == 8);
        if (!known) {
            throw new NpyFormatException(file, "unsupported dtype '" + h.descr
                    + "' (expected float32/float64/int32/int64)");
        }
        h.order = h.descr.charAt(0) == '>' ? ByteOrder.BIG_ENDIAN
                : h.descr.charAt(0) == '=' ? ByteOrder.nativeOrder() : ByteOrder.LITTLE_ENDIAN;
        if (f.group(1).equals("True")) {
            throw new NpyFormatException(file, "Fortran-order arrays are not supported (save with C order)");
        }
        String dims = s.group(1).trim();
        if (dims.isEmpty()) {
            h.shape = new int[0];
        } else {
            String[] parts = dims.split(",");
            int count = parts.length;
            if (parts[count - 1].isBlank()) {
                count--;
            }
            h.shape = new int[count];
            for (int i = 0; i < count; i++) {
                String p = parts[i].trim().replace("L", "");
                try {
                    long v = Long.parseLong(p);
                    if (v < 0 || v > Integer.MAX_VALUE) {
                        throw new NumberFormatException();
                    }
                    h.shape[i] = (int) v;
                } catch (NumberFormatException e) {
                    throw new NpyFormatException(file, "corrupt shape '(" + dims + ")'");
                }
            }
        }
        h.dataOffset = headerStart + headerLen;
        return h;
    }

    /** Copies {@code count} elements from the buffer (positioned at 0) into the target array at {@code offset}. */
    @FunctionalInterface
    private interface ChunkCopy {
        void copy(ByteBuffer chunk, int offset, int count);
    }

    /** Reads n elements of {@code elementBytes} each in chunks of at most CHUNK bytes. */
    private static void readChunked(FileChannel ch, int n, int elementBytes, ByteOrder order, ChunkCopy copy)
            throws IOException {
        ByteBuffer buf = ByteBuffer.allocateDirect(CHUNK).order(order);
        for (int off = 0; off < n; ) {
            int k = Math.min(CHUNK / elementBytes, n - off);
            fill(ch, buf, k * elementBytes);
            copy.copy(buf, off, k);
            off += k;
        }
    }

    private static float[] readFloats(FileChannel ch, int n, ByteOrder order) throws IOException {
        float[] out = new float[n];
        readChunked(ch, n, 4, order, (buf, off, k) -> buf.asFloatBuffer().get(out, off, k));
        return out;
    }

    private static double[] readDoubles(FileChannel ch, int n, ByteOrder order) throws IOException {
        double[] out = new double[n];
        readChunked(ch, n, 8, order, (buf, off, k) -> buf.asDoubleBuffer().get(out, off, k));
        return out;
    }

    private static int[] readInts(FileChannel ch, int n, ByteOrder order) throws IOException {
        int[] out = new int[n];
        readChunked(ch, n, 4, order, (buf, off, k) -> buf.asIntBuffer().get(out, off, k));
        return out;
    }

    private static long[] readLongs(FileChannel ch, int n, ByteOrder order) throws IOException {
        long[] out = new long[n];
        readChunked(ch, n, 8, order, (buf, off, k) -> buf.asLongBuffer().get(out, off, k));
        return out;
    }

    private static void fill(FileChannel ch, ByteBuffer buf, int bytes) throws IOException {
        buf.clear();
        buf.limit(bytes);
        while (buf.hasRemaining()) {
            if (ch.read(buf) < 0) {
                throw new IOException("unexpected end of file");
            }
        }
        buf.flip();
    }

    private static void readFully(FileChannel ch, ByteBuffer buf, Path file) throws IOException {
        while (buf.hasRemaining()) {
            if (ch.read(buf) < 0) {
                throw new NpyFormatException(file, "truncated header");
            }
        }
    }

    private static void writeFully(FileChannel ch, ByteBuffer buf) throws IOException {
        while (buf.hasRemaining()) {
            ch.write(buf);
        }
    }
}

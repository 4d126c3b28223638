package org.beatgan.core.data.wfdb;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Decodes WFDB signal files in the storage formats ECG databases actually use, dispatching on the
 * header's format field:
 * <ul>
 *   <li>212: pairs of 12-bit two's-complement samples packed into three bytes (MIT-BIH);</li>
 *   <li>16: 16-bit two's-complement, little-endian (most PhysioNet databases, and what
 *       {@code wfdb.wrsamp} writes by default);</li>
 *   <li>61: 16-bit two's-complement, big-endian;</li>
 *   <li>80: 8-bit offset binary (the stored byte minus 128).</li>
 * </ul>
 * In every format the signals of a frame are interleaved in header order, one sample each.
 *
 * <p>The whole file is read at once and decoded in one tight loop per format because the MIT-BIH
 * pipeline reads 48 x 1.95 MB on every cold build; streaming or per-sample virtual calls would
 * dominate the preprocessing time. ADC values are kept as {@code short} because all four formats
 * fit in 16 bits losslessly: physical conversion, which depends on the header's gain and baseline,
 * is derived from them on demand. Formats with wider samples (24, 32) or difference coding (8, 310,
 * 311) are rejected with the list of supported formats rather than half-decoded.
 *
 * <p>The file length must match the header exactly: a shorter file is a truncated download, a
 * longer one a header that describes some other file. Both are reported rather than silently
 * producing a record of the wrong length. When the header gives checksums they are verified too;
 * these checks are the same for every format.
 */
public final class WfdbSignalReader {

    /** Signal formats this reader decodes. */
    public static final Set<Integer> SUPPORTED_FORMATS = Set.of(16, 61, 80, 212);

    private static final String SUPPORTED_TEXT = "supported formats: 16, 61, 80, 212";

    private WfdbSignalReader() {
    }

    /**
     * Reads every signal of {@code header} from the signal files next to it (in {@code dir}).
     *
     * @param verifyChecksums compare the 16-bit sample sums with the header's checksum fields
     * @return ADC values, {@code [channel][sample]}, channels in header order
     */
    public static short[][] readAdc(Path dir, WfdbHeader header, boolean verifyChecksums) throws IOException {
        short[][] out = new short[header.numSignals()][];
        // Signals sharing a file are interleaved in it, in header order.
        Map<String, List<Integer>> byFile = new LinkedHashMap<>();
        for (int ch = 0; ch < header.numSignals(); ch++) {
            byFile.computeIfAbsent(header.signal(ch).fileName(), k -> new ArrayList<>()).add(ch);
        }
        for (Map.Entry<String, List<Integer>> e : byFile.entrySet()) {
            Path file = dir.resolve(e.getKey());
            List<Integer> channels = e.getValue();
            WfdbSignalSpec first = header.signal(channels.get(0));
            for (int ch : channels) {
                WfdbSignalSpec s = header.signal(ch);
                if (!SUPPORTED_FORMATS.contains(s.format())) {
                    throw new WfdbFormatException(file, "unsupported signal format " + s.format()
                            + " for signal " + ch + " (" + s.description() + "); " + SUPPORTED_TEXT);
                }
                if (s.format() != first.format()) {
                    // WFDB itself requires one format per file; mixed widths would make frames ambiguous.
                    throw new WfdbFormatException(file, "signals sharing the file disagree on the format ("
                            + first.format() + " for signal " + channels.get(0) + ", " + s.format()
                            + " for signal " + ch + ")");
                }
                if (s.samplesPerFrame() != 1 || s.skew() != 0) {
                    throw new WfdbFormatException(file, "unsupported multi-frequency or skewed signal " + ch
                            + " (samples per frame " + s.samplesPerFrame() + ", skew " + s.skew() + ")");
                }
                if (s.byteOffset() != first.byteOffset()) {
                    throw new WfdbFormatException(file, "signals sharing the file disagree on the byte offset");
                }
            }
            byte[] bytes;
            try {
                bytes = Files.readAllBytes(file);
            } catch (NoSuchFileException ex) {
                throw new WfdbFormatException(file, "signal file not found", ex);
            }
            short[][] decoded = decode(first.format(), bytes, first.byteOffset(), channels.size(),
                    header.samplesPerSignal(), file);
            for (int i = 0; i < channels.size(); i++) {
                int ch = channels.get(i);
                out[ch] = decoded[i];
                Integer expected = header.signal(ch).checksum();
                if (verifyChecksums && expected != null) {
                    short actual = checksum(decoded[i]);
                    if (actual != (short) (int) expected) {
                        throw new WfdbFormatException(file, "checksum mismatch for signal " + ch + " ("
                                + header.signal(ch).description() + "): header says " + expected
                                + ", data sums to " + actual);
                    }
                }
            }
        }
        return out;
    }

    /** Reads every signal and converts it to physical units, {@code [channel][sample]}. */
    public static float[][] readPhysical(Path dir, WfdbHeader header) throws IOException {
        short[][] adc = readAdc(dir, header, true);
        float[][] out = new float[adc.length][];
        for (int ch = 0; ch < adc.length; ch++) {
            out[ch] = toPhysical(adc[ch], header.signal(ch));
        }
        return out;
    }

    /** {@code (adc - baseline) / gain}, computed in double and rounded once to float. */
    public static float[] toPhysical(short[] adc, WfdbSignalSpec spec) {
        float[] out = new float[adc.length];
        double baseline = spec.baseline();
        double gain = spec.gain();
        for (int i = 0; i < adc.length; i++) {
            out[i] = (float) ((adc[i] - baseline) / gain);
        }
        return out;
    }

    /** Same as {@link #toPhysical(short[], WfdbSignalSpec)} in double precision. */
    public static double[] toPhysicalDouble(short[] adc, WfdbSignalSpec spec) {
        double[] out = new double[adc.length];
        double baseline = spec.baseline();
        double gain = spec.gain();
        for (int i = 0; i < adc.length; i++) {
            out[i] = (adc[i] - baseline) / gain;
        }
        return out;
    }

    /** WFDB's signal checksum: the sum of all samples modulo 2^16, as a signed 16-bit value. */
    public static short checksum(short[] samples) {
        int sum = 0;
        for (short s : samples) {
            sum += s;
        }
        return (short) sum;
    }

    /** Number of bytes format 212 uses for {@code totalSamples} samples (an odd last one takes 2). */
    public static long byteLength(long totalSamples) {
        return byteLength(212, totalSamples);
    }

    /**
     * Number of bytes {@code format} uses for {@code totalSamples} samples (all signals together).
     *
     * @throws IllegalArgumentException for a format outside {@link #SUPPORTED_FORMATS}
     */
    public static long byteLength(int format, long totalSamples) {
        return switch (format) {
            case 212 -> (totalSamples / 2) * 3 + (totalSamples % 2) * 2;
            case 16, 61 -> totalSamples * 2;
            case 80 -> totalSamples;
            default -> throw new IllegalArgumentException("unsupported signal format " + format + "; "
                    + SUPPORTED_TEXT);
        };
    }

    /**
     * Decodes {@code nsig} interleaved format-212 signals; same as {@code decode(212, ...)}.
     *
     * @see #decode(int, byte[], long, int, long, Path)
     */
    public static short[][] decode(byte[] bytes, long offset, int nsig, long samplesPerSignal, Path source)
            throws WfdbFormatException {
        return decode(212, bytes, offset, nsig, samplesPerSignal, source);
    }

    /**
     * Decodes {@code nsig} interleaved signals stored in {@code format} from {@code bytes} starting
     * at {@code offset}.
     *
     * @param samplesPerSignal expected samples per signal, or 0 to infer it from the data length
     * @param source           named in error messages
     */
    public static short[][] decode(int format, byte[] bytes, long offset, int nsig, long samplesPerSignal,
                                   Path source) throws WfdbFormatException {
        if (!SUPPORTED_FORMATS.contains(format)) {
            throw new WfdbFormatException(source, "unsupported signal format " + format + "; " + SUPPORTED_TEXT);
        }
        if (nsig <= 0) {
            throw new WfdbFormatException(source, "no signals to decode");
        }
        long dataBytes = bytes.length - offset;
        if (dataBytes < 0) {
            throw new WfdbFormatException(source, "file has " + bytes.length
                    + " bytes, fewer than the byte offset " + offset);
        }
        long nsamp = samplesPerSignal;
        if (nsamp == 0) {
            nsamp = inferSamplesPerSignal(format, dataBytes, nsig, source);
        } else {
            long expected = byteLength(format, nsamp * nsig);
            if (dataBytes != expected) {
                throw new WfdbFormatException(source, (dataBytes < expected ? "truncated" : "too long")
                        + ": header says " + nsamp + " samples x " + nsig + " signals in format " + format
                        + " = " + expected + " bytes" + (offset > 0 ? " after a " + offset + "-byte offset" : "")
                        + ", file has " + dataBytes);
            }
        }
        if (nsamp > Integer.MAX_VALUE) {
            throw new WfdbFormatException(source, "too many samples per signal for one array: " + nsamp);
        }
        int n = (int) nsamp;
        short[][] out = new short[nsig][n];
        int p = (int) offset;
        switch (format) {
            case 212 -> decode212(bytes, p, out, n);
            case 16 -> {
                for (int t = 0; t < n; t++) {
                    for (int c = 0; c < nsig; c++, p += 2) {
                        out[c][t] = (short) ((bytes[p] & 0xFF) | (bytes[p + 1] << 8));
                    }
                }
            }
            case 61 -> {
                for (int t = 0; t < n; t++) {
                    for (int c = 0; c < nsig; c++, p += 2) {
                        out[c][t] = (short) ((bytes[p] << 8) | (bytes[p + 1] & 0xFF));
                    }
                }
            }
            case 80 -> {
                for (int t = 0; t < n; t++) {
                    for (int c = 0; c < nsig; c++, p++) {
                        out[c][t] = (short) ((bytes[p] & 0xFF) - 128);
                    }
                }
            }
            default -> throw new AssertionError(format);
        }
        return out;
    }

    private static long inferSamplesPerSignal(int format, long dataBytes, int nsig, Path source)
            throws WfdbFormatException {
        long total;
        boolean whole;
        if (format == 212) {
            total = (dataBytes / 3) * 2 + (dataBytes % 3 == 2 ? 1 : 0);
            whole = dataBytes % 3 != 1;
        } else {
            int width = format == 80 ? 1 : 2;
            total = dataBytes / width;
            whole = dataBytes % width == 0;
        }
        if (!whole || total % nsig != 0) {
            throw new WfdbFormatException(source, "length " + dataBytes
                    + " bytes is not a whole number of format-" + format + " frames of " + nsig + " signals");
        }
        return total / nsig;
    }

    private static void decode212(byte[] bytes, int p, short[][] out, int n) {
        int nsig = out.length;
        if (nsig == 2) {
            short[] a = out[0];
            short[] b = out[1];
            for (int i = 0; i < n; i++) {
                int b0 = bytes[p] & 0xFF;
                int b1 = bytes[p + 1] & 0xFF;
                int b2 = bytes[p + 2] & 0xFF;
                p += 3;
                a[i] = (short) (((b0 | ((b1 & 0x0F) << 8)) << 20) >> 20);
                b[i] = (short) (((b2 | ((b1 & 0xF0) << 4)) << 20) >> 20);
            }
            return;
        }
        long total = (long) n * nsig;
        int ch = 0;
        int t = 0;
        for (long k = 0; k < total; k += 2) {
            int b0 = bytes[p] & 0xFF;
            int b1 = bytes[p + 1] & 0xFF;
            out[ch][t] = (short) (((b0 | ((b1 & 0x0F) << 8)) << 20) >> 20);
            if (++ch == nsig) {
                ch = 0;
                t++;
            }
            if (k + 1 < total) {
                int b2 = bytes[p + 2] & 0xFF;
                out[ch][t] = (short) (((b2 | ((b1 & 0xF0) << 4)) << 20) >> 20);
                if (++ch == nsig) {
                    ch = 0;
                    t++;
                }
            }
            p += 3;
        }
    }
}

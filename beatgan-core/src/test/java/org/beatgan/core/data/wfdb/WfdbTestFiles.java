package org.beatgan.core.data.wfdb;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

/** Test-side encoders for hand-made WFDB files, written independently of the readers. */
final class WfdbTestFiles {

    private WfdbTestFiles() {
    }

    /** Packs interleaved samples ({@code [channel][sample]}) into format 212 bytes. */
    static byte[] pack212(int[][] channels) {
        int nsig = channels.length;
        int n = channels[0].length;
        int[] flat = new int[nsig * n];
        for (int t = 0; t < n; t++) {
            for (int c = 0; c < nsig; c++) {
                flat[t * nsig + c] = channels[c][t];
            }
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (int k = 0; k < flat.length; k += 2) {
            int a = flat[k] & 0xFFF;
            out.write(a & 0xFF);
            if (k + 1 < flat.length) {
                int b = flat[k + 1] & 0xFFF;
                out.write(((a >> 8) & 0x0F) | ((b >> 4) & 0xF0));
                out.write(b & 0xFF);
            } else {
                out.write((a >> 8) & 0x0F);
            }
        }
        return out.toByteArray();
    }

    /**
     * Packs interleaved samples into 16-bit frames, {@code bigEndian} for format 61, little-endian
     * for format 16 (written with {@link java.nio.ByteBuffer}, not the reader's bit twiddling).
     */
    static byte[] pack16(int[][] channels, boolean bigEndian) {
        int nsig = channels.length;
        int n = channels[0].length;
        java.nio.ByteBuffer buf = java.nio.ByteBuffer.allocate(2 * nsig * n)
                .order(bigEndian ? java.nio.ByteOrder.BIG_ENDIAN : java.nio.ByteOrder.LITTLE_ENDIAN);
        for (int t = 0; t < n; t++) {
            for (int c = 0; c < nsig; c++) {
                buf.putShort((short) channels[c][t]);
            }
        }
        return buf.array();
    }

    /** Packs interleaved samples (-128..127) into format 80: offset binary, one byte each. */
    static byte[] pack80(int[][] channels) {
        int nsig = channels.length;
        int n = channels[0].length;
        byte[] out = new byte[nsig * n];
        for (int t = 0; t < n; t++) {
            for (int c = 0; c < nsig; c++) {
                out[t * nsig + c] = (byte) (channels[c][t] + 128);
            }
        }
        return out;
    }

    /** Builds MIT annotation files word by word. */
    static final class Ann {
        private final ByteArrayOutputStream out = new ByteArrayOutputStream();

        Ann word(int code, int data) {
            int w = (code << 10) | (data & 0x3FF);
            out.write(w & 0xFF);
            out.write((w >> 8) & 0xFF);
            return this;
        }

        Ann beat(int code, int increment) {
            return word(code, increment);
        }

        /** SKIP with a 32-bit interval: high word first, each word little-endian (PDP-11 long). */
        Ann skip(int interval) {
            word(MitAnnotationReader.SKIP, 0);
            int hi = (interval >>> 16) & 0xFFFF;
            int lo = interval & 0xFFFF;
            out.write(hi & 0xFF);
            out.write(hi >> 8);
            out.write(lo & 0xFF);
            out.write(lo >> 8);
            return this;
        }

        Ann aux(String text) {
            byte[] b = text.getBytes(StandardCharsets.ISO_8859_1);
            return auxBytes(b);
        }

        Ann auxBytes(byte[] b) {
            word(MitAnnotationReader.AUX, b.length);
            out.write(b, 0, b.length);
            if (b.length % 2 == 1) {
                out.write(0);
            }
            return this;
        }

        Ann raw(int... bytes) {
            for (int b : bytes) {
                out.write(b);
            }
            return this;
        }

        Ann end() {
            return word(0, 0);
        }

        byte[] bytes() {
            return out.toByteArray();
        }
    }
}

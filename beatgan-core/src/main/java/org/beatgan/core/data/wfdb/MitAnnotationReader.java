package org.beatgan.core.data.wfdb;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads annotation files in WFDB's MIT format (e.g. MIT-BIH {@code .atr}), following the
 * {@code annot(5)} spec and the behaviour of the WFDB library's {@code getann}.
 *
 * <p>The file is a sequence of little-endian 16-bit words: the top 6 bits are a code, the low 10 bits
 * a time increment (or a payload). Codes 1..49 start an annotation; the pseudo-codes that follow it
 * (SUB, CHN, NUM, AUX) modify that annotation; SKIP adds a 32-bit interval to the time of the next
 * annotation; a zero word ends the file. As in WFDB, {@code chan} and {@code num} carry over from
 * one annotation to the next while {@code subtype} and {@code aux} do not.
 *
 * <p>Anything WFDB would silently misread is an error here instead, because a mis-parsed annotation
 * file shifts or relabels every later beat: invalid codes 50..58, a pseudo-annotation with nothing
 * to modify, a SKIP or AUX running past the end, an odd trailing byte, negative time, and (when the
 * signal length is known) annotations beyond the last sample. A missing end marker is accepted only
 * when the file ends exactly on a word boundary.
 */
public final class MitAnnotationReader {

    /** Pseudo-code: a 32-bit interval follows (high 16-bit word first, each word little-endian). */
    public static final int SKIP = 59;
    /** Pseudo-code: sets the {@code num} field from the low 10 bits. */
    public static final int NUM = 60;
    /** Pseudo-code: sets the {@code subtype} field from the low 10 bits. */
    public static final int SUB = 61;
    /** Pseudo-code: sets the {@code chan} field from the low 10 bits. */
    public static final int CHN = 62;
    /** Pseudo-code: the low 10 bits are a byte count; that many bytes (padded to even) follow. */
    public static final int AUX = 63;

    private static final int MAX_AUX_LENGTH = 255;

    private MitAnnotationReader() {
    }

    /** Reads {@code file} without checking annotation times against a signal length. */
    public static List<WfdbAnnotation> read(Path file) throws IOException {
        return read(file, 0);
    }

    /**
     * Reads {@code file}.
     *
     * @param signalLength samples per signal of the annotated record; annotations at or after it are
     *                     an error. 0 (or negative) disables the check.
     */
    public static List<WfdbAnnotation> read(Path file, long signalLength) throws IOException {
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            throw new WfdbFormatException(file, "annotation file not found", e);
        }
        return parse(bytes, file, signalLength);
    }

    /** Parses annotation bytes; {@code source} only names the origin in error messages. */
    public static List<WfdbAnnotation> parse(byte[] bytes, Path source, long signalLength)
            throws WfdbFormatException {
        List<WfdbAnnotation> out = new ArrayList<>(bytes.length / 2);
        final int n = bytes.length;
        int p = 0;
        long time = 0;
        int chan = 0;
        int num = 0;
        // The annotation being assembled: pseudo-codes after it still modify it.
        boolean pending = false;
        long pSample = 0;
        int pCode = 0;
        int pSubtype = 0;
        String pAux = null;
        while (p < n) {
            if (p + 1 == n) {
                throw new WfdbFormatException(source, "odd trailing byte at offset " + p + " (truncated word)");
            }
            final int at = p;
            int word = (bytes[p] & 0xFF) | ((bytes[p + 1] & 0xFF) << 8);
            p += 2;
            if (word == 0) {
                break; // logical end of file; WFDB ignores whatever follows
            }
            int code = word >>> 10;
            int data = word & 0x3FF;
            switch (code) {
                case SKIP: {
                    if (p + 4 > n) {
                        throw new WfdbFormatException(source, "SKIP at offset " + at
                                + " runs past the end of the file (needs 4 more bytes, " + (n - p) + " left)");
                    }
                    int high = (short) ((bytes[p] & 0xFF) | ((bytes[p + 1] & 0xFF) << 8));
                    int low = (bytes[p + 2] & 0xFF) | ((bytes[p + 3] & 0xFF) << 8);
                    p += 4;
                    time += (high << 16) | low;
                    if (time < 0) {
                        throw new WfdbFormatException(source, "SKIP at offset " + at
                                + " moves the annotation time before sample 0 (" + time + ")");
                    }
                    break;
                }
                case NUM:
                    requirePending(pending, source, "NUM", at);
                    num = (byte) data;
                    break;
                case SUB:
                    requirePending(pending, source, "SUB", at);
                    pSubtype = (byte) data;
                    break;
                case CHN:
                    requirePending(pending, source, "CHN", at);
                    chan = data & 0xFF;
                    break;
                case AUX: {
                    requirePending(pending, source, "AUX", at);
                    if (data > MAX_AUX_LENGTH) {
                        throw new WfdbFormatException(source, "AUX at offset " + at + " announces " + data
                                + " bytes, more than the " + MAX_AUX_LENGTH + " WFDB allows");
                    }
                    int padded = (data + 1) & ~1;
                    if (p + padded > n) {
                        throw new WfdbFormatException(source, "AUX at offset " + at + " announces " + data
                                + " bytes but only " + (n - p) + " remain in the file");
                    }
                    int len = 0;
                    while (len < data && bytes[p + len] != 0) {
                        len++; // C string semantics: the text ends at an embedded NUL
                    }
                    pAux = new String(bytes, p, len, StandardCharsets.ISO_8859_1);
                    p += padded;
                    break;
                }
                default: {
                    if (code > AnnotationCodes.ACMAX) {
                        throw new WfdbFormatException(source, "invalid annotation code " + code
                                + " at offset " + at + " (valid: 0.." + AnnotationCodes.ACMAX + ", 59..63)");
                    }
                    if (pending) {
                        out.add(new WfdbAnnotation(pSample, pCode, AnnotationCodes.symbol(pCode), pSubtype, chan,
                                num, pAux));
                    }
                    time += data;
                    if (signalLength > 0 && time >= signalLength) {
                        throw new WfdbFormatException(source, "annotation '" + AnnotationCodes.symbol(code)
                                + "' at offset " + at + " is at sample " + time
                                + ", beyond the signal's last sample " + (signalLength - 1));
                    }
                    pending = true;
                    pSample = time;
                    pCode = code;
                    pSubtype = 0;
                    pAux = null;
                    break;
                }
            }
        }
        if (pending) {
            out.add(new WfdbAnnotation(pSample, pCode, AnnotationCodes.symbol(pCode), pSubtype, chan, num, pAux));
        }
        return out;
    }

    private static void requirePending(boolean pending, Path source, String what, int at)
            throws WfdbFormatException {
        if (!pending) {
            throw new WfdbFormatException(source, what + " pseudo-annotation at offset " + at
                    + " precedes any annotation (nothing to modify)");
        }
    }
}

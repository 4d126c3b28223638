package org.beatgan.core.data.wfdb;

/**
 * WFDB's standard annotation codes and mnemonics ({@code <wfdb/ecgcodes.h>} and the {@code ecgstr}
 * table in the WFDB library's {@code annot.c}).
 *
 * <p>Kept as a table rather than an enum because codes 42..49 are user-definable and 15/17 are
 * unassigned: an annotation file may legally contain them, and WFDB prints them as {@code [n]}.
 */
public final class AnnotationCodes {

    /** Not-QRS: a null annotation (only appears as a code-0 word with a non-zero time increment). */
    public static final int NOTQRS = 0;
    public static final int NORMAL = 1;
    public static final int LBBB = 2;
    public static final int RBBB = 3;
    public static final int ABERR = 4;
    public static final int PVC = 5;
    public static final int FUSION = 6;
    public static final int NPC = 7;
    public static final int APC = 8;
    public static final int SVPB = 9;
    public static final int VESC = 10;
    public static final int NESC = 11;
    public static final int PACE = 12;
    public static final int UNKNOWN = 13;
    public static final int NOISE = 14;
    public static final int ARFCT = 16;
    public static final int STCH = 18;
    public static final int TCH = 19;
    public static final int SYSTOLE = 20;
    public static final int DIASTOLE = 21;
    public static final int NOTE = 22;
    public static final int MEASURE = 23;
    public static final int PWAVE = 24;
    public static final int BBB = 25;
    public static final int PACESP = 26;
    public static final int TWAVE = 27;
    public static final int RHYTHM = 28;
    public static final int UWAVE = 29;
    public static final int LEARN = 30;
    public static final int FLWAV = 31;
    public static final int VFON = 32;
    public static final int VFOFF = 33;
    public static final int AESC = 34;
    public static final int SVESC = 35;
    public static final int LINK = 36;
    public static final int NAPC = 37;
    public static final int PFUS = 38;
    public static final int WFON = 39;
    public static final int WFOFF = 40;
    public static final int RONT = 41;
    /** Largest valid annotation code; 50..58 are invalid, 59..63 are pseudo-annotations. */
    public static final int ACMAX = 49;

    private static final String[] MNEMONICS = {
        " ", "N", "L", "R", "a", // 0 - 4
        "V", "F", "J", "A", "S", // 5 - 9
        "E", "j", "/", "Q", "~", // 10 - 14
        "[15]", "|", "[17]", "s", "T", // 15 - 19
        "*", "D", "\"", "=", "p", // 20 - 24
        "B", "^", "t", "+", "u", // 25 - 29
        "?", "!", "[", "]", "e", // 30 - 34
        "n", "@", "x", "f", "(", // 35 - 39
        ")", "r", "[42]", "[43]", "[44]", // 40 - 44
        "[45]", "[46]", "[47]", "[48]", "[49]", // 45 - 49
    };

    private AnnotationCodes() {
    }

    /** WFDB mnemonic of {@code code} (0..{@value #ACMAX}). */
    public static String symbol(int code) {
        if (code < 0 || code > ACMAX) {
            throw new IllegalArgumentException("annotation code out of range 0.." + ACMAX + ": " + code);
        }
        return MNEMONICS[code];
    }

    /** Code of a WFDB mnemonic, or -1 when it is not a standard one. */
    public static int code(String symbol) {
        for (int c = 1; c <= ACMAX; c++) {
            if (MNEMONICS[c].equals(symbol)) {
                return c;
            }
        }
        return -1;
    }
}

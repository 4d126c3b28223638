package org.beatgan.core.data.wfdb;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Parses WFDB header ({@code .hea}) files as described in PhysioNet's {@code header(5)} man page.
 *
 * <p>Written from the spec instead of depending on a WFDB binding so that the toolkit stays pure
 * Java; it covers single-segment records, which is all the MIT-BIH databases use. Every default the
 * spec defines is applied here, once, so that signal readers can trust the resulting
 * {@link WfdbSignalSpec} fields literally. Comment lines ({@code #}) and blank lines are skipped and
 * CRLF line ends are accepted, because PhysioNet ships headers with both endings.
 */
public final class WfdbHeaderParser {

    /** WFDB's gain when the header gives none or 0 (ADC units per physical unit). */
    public static final double DEFAULT_GAIN = 200.0;
    /** WFDB's sampling frequency when the record line gives none. */
    public static final double DEFAULT_SAMPLING_FREQUENCY = 250.0;
    /** WFDB's physical unit when the gain field gives none. */
    public static final String DEFAULT_UNITS = "mV";

    private static final Pattern WS = Pattern.compile("\\s+");
    private static final Pattern TOKEN = Pattern.compile("\\S+");
    private static final String NUMBER = "[-+]?(?:\\d+\\.?\\d*|\\.\\d+)(?:[eE][-+]?\\d+)?";
    private static final Pattern FS =
            Pattern.compile("(" + NUMBER + ")(?:/(" + NUMBER + ")(?:\\((" + NUMBER + ")\\))?)?");
    private static final Pattern FORMAT = Pattern.compile("(\\d+)(?:x(\\d+))?(?::(\\d+))?(?:\\+(\\d+))?");
    private static final Pattern GAIN = Pattern.compile("(" + NUMBER + ")(?:\\(([-+]?\\d+)\\))?(?:/(\\S+))?");

    private WfdbHeaderParser() {
    }

    /** Parses the header file at {@code file}. */
    public static WfdbHeader parse(Path file) throws IOException {
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            throw new WfdbFormatException(file, "header file not found", e);
        }
        return parse(new String(bytes, StandardCharsets.ISO_8859_1), file);
    }

    /**
     * Parses header text; {@code source} only names the origin in error messages.
     */
    public static WfdbHeader parse(String text, Path source) throws WfdbFormatException {
        String[] lines = text.split("\r?\n|\r", -1);
        List<String> comments = new ArrayList<>();
        List<WfdbSignalSpec> signals = new ArrayList<>();
        String recordName = null;
        int numSignals = 0;
        double fs = DEFAULT_SAMPLING_FREQUENCY;
        long nsamp = 0;
        for (int i = 0; i < lines.length; i++) {
            String line = lines[i].strip();
            int lineNo = i + 1;
            if (line.isEmpty()) {
                continue;
            }
            if (line.startsWith("#")) {
                comments.add(line.substring(1).strip());
                continue;
            }
            if (recordName == null) {
                String[] tok = WS.split(line);
                if (tok.length < 2) {
                    throw malformed(source, lineNo, line, "record line needs at least a name and a signal count");
                }
                if (tok[0].contains("/")) {
                    throw new WfdbFormatException(source, "line " + lineNo
                            + ": multi-segment records are not supported ('" + tok[0] + "')");
                }
                recordName = tok[0];
                numSignals = parseInt(tok[1], source, lineNo, line, "number of signals");
                if (numSignals < 0) {
                    throw malformed(source, lineNo, line, "negative number of signals");
                }
                if (tok.length > 2) {
                    Matcher m = FS.matcher(tok[2]);
                    if (!m.matches()) {
                        throw malformed(source, lineNo, line, "bad sampling frequency '" + tok[2] + "'");
                    }
                    fs = Double.parseDouble(m.group(1));
                    if (!(fs > 0)) {
                        fs = DEFAULT_SAMPLING_FREQUENCY;
                    }
                }
                if (tok.length > 3) {
                    nsamp = parseLong(tok[3], source, lineNo, line, "number of samples per signal");
                    if (nsamp < 0) {
                        throw malformed(source, lineNo, line, "negative number of samples per signal");
                    }
                }
                continue;
            }
            if (signals.size() == numSignals) {
                // WFDB allows free-text "info" lines after the signal lines only as comments;
                // anything else means the signal count on the record line is wrong.
                throw malformed(source, lineNo, line, "more signal lines than the " + numSignals
                        + " announced on the record line");
            }
            signals.add(parseSignalLine(line, source, lineNo));
        }
        if (recordName == null) {
            throw new WfdbFormatException(source, "no record line (empty header)");
        }
        if (signals.size() != numSignals) {
            throw new WfdbFormatException(source, "record line announces " + numSignals
                    + " signals but " + signals.size() + " signal lines follow");
        }
        return new WfdbHeader(recordName, numSignals, fs, nsamp, signals, comments);
    }

    private static WfdbSignalSpec parseSignalLine(String line, Path source, int lineNo) throws WfdbFormatException {
        // Tokenise while remembering where each token starts: the description is "the rest of the
        // line" and may contain blanks.
        List<String> tok = new ArrayList<>();
        String description = "";
        Matcher t = TOKEN.matcher(line);
        while (t.find()) {
            if (tok.size() == 8) {
                description = line.substring(t.start()).strip();
                break;
            }
            tok.add(t.group());
        }
        if (tok.size() < 2) {
            throw malformed(source, lineNo, line, "signal line needs at least a file name and a format");
        }
        String fileName = tok.get(0);
        Matcher f = FORMAT.matcher(tok.get(1));
        if (!f.matches()) {
            throw malformed(source, lineNo, line, "bad format field '" + tok.get(1) + "'");
        }
        int format = parseInt(f.group(1), source, lineNo, line, "format");
        int spf = f.group(2) == null ? 1 : parseInt(f.group(2), source, lineNo, line, "samples per frame");
        int skew = f.group(3) == null ? 0 : parseInt(f.group(3), source, lineNo, line, "skew");
        long offset = f.group(4) == null ? 0 : parseLong(f.group(4), source, lineNo, line, "byte offset");

        double gain = 0;
        Integer baseline = null;
        String units = DEFAULT_UNITS;
        if (tok.size() > 2) {
            Matcher g = GAIN.matcher(tok.get(2));
            if (!g.matches()) {
                throw malformed(source, lineNo, line, "bad gain field '" + tok.get(2)
                        + "' (expected gain[(baseline)][/units])");
            }
            gain = Double.parseDouble(g.group(1));
            if (g.group(2) != null) {
                baseline = parseInt(g.group(2), source, lineNo, line, "baseline");
            }
            if (g.group(3) != null) {
                units = g.group(3);
            }
        }
        if (gain == 0) {
            gain = DEFAULT_GAIN;
        }
        if (gain < 0 || Double.isNaN(gain) || Double.isInfinite(gain)) {
            throw malformed(source, lineNo, line, "gain must be positive");
        }
        int adcRes = tok.size() > 3 ? parseInt(tok.get(3), source, lineNo, line, "ADC resolution") : 0;
        if (adcRes == 0) {
            adcRes = defaultResolution(format);
        }
        int adcZero = tok.size() > 4 ? parseInt(tok.get(4), source, lineNo, line, "ADC zero") : 0;
        int initial = tok.size() > 5 ? parseInt(tok.get(5), source, lineNo, line, "initial value") : adcZero;
        Integer checksum = tok.size() > 6 ? parseInt(tok.get(6), source, lineNo, line, "checksum") : null;
        int blockSize = tok.size() > 7 ? parseInt(tok.get(7), source, lineNo, line, "block size") : 0;
        return new WfdbSignalSpec(fileName, format, spf, skew, offset, gain,
                baseline == null ? adcZero : baseline, units, adcRes, adcZero, initial, checksum,
                blockSize, description);
    }

    private static int defaultResolution(int format) {
        switch (format) {
            case 8:
            case 80:
                return 8;
            case 212:
                return 12;
            case 310:
            case 311:
                return 10;
            case 24:
                return 24;
            case 32:
                return 32;
            default:
                return 16;
        }
    }

    private static int parseInt(String s, Path source, int lineNo, String line, String what)
            throws WfdbFormatException {
        try {
            return Integer.parseInt(s.startsWith("+") ? s.substring(1) : s);
        } catch (NumberFormatException e) {
            throw malformed(source, lineNo, line, "bad " + what + " '" + s + "'");
        }
    }

    private static long parseLong(String s, Path source, int lineNo, String line, String what)
            throws WfdbFormatException {
        try {
            return Long.parseLong(s.startsWith("+") ? s.substring(1) : s);
        } catch (NumberFormatException e) {
            throw malformed(source, lineNo, line, "bad " + what + " '" + s + "'");
        }
    }

    private static WfdbFormatException malformed(Path source, int lineNo, String line, String problem) {
        return new WfdbFormatException(source, "malformed header line " + lineNo + " (" + problem + "): '"
                + line + "'");
    }
}

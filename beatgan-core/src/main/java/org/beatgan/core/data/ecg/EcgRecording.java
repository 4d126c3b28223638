package org.beatgan.core.data.ecg;

import org.beatgan.core.data.wfdb.WfdbAnnotation;
import org.beatgan.core.data.wfdb.WfdbHeader;
import org.beatgan.core.data.wfdb.WfdbRecord;
import org.beatgan.core.data.wfdb.WfdbRecordReader;

import java.io.BufferedReader;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * One ECG recording as the scoring of new ECG sees it: physical samples per lead (mV for WFDB
 * records), the sampling rate, lead names, and the reference beat annotations when the recording
 * has them. It is what a WFDB record or a CSV of samples becomes before resampling, filtering and
 * beat windowing.
 *
 * @param name        record name (a WFDB record name or the CSV file's name)
 * @param fs          sampling rate in Hz
 * @param leadNames   one name per lead (WFDB header descriptions such as {@code MLII}; CSV column names)
 * @param leads       samples, {@code [lead][sample]}, all leads equally long
 * @param annotations reference annotations in sample order; empty when there are none
 * @param annotated   whether reference annotations were read (an annotation file may hold no beats)
 */
public record EcgRecording(String name, double fs, List<String> leadNames, double[][] leads,
                           List<WfdbAnnotation> annotations, boolean annotated) {

    public EcgRecording {
        if (!(fs > 0) || !Double.isFinite(fs)) {
            throw new IllegalArgumentException(name + ": sampling rate " + fs + " Hz is not a positive number");
        }
        if (leads.length == 0 || leads.length != leadNames.size()) {
            throw new IllegalArgumentException(name + ": " + leads.length + " leads for " + leadNames.size()
                    + " lead names");
        }
        for (double[] l : leads) {
            if (l.length != leads[0].length) {
                throw new IllegalArgumentException(name + ": leads differ in length");
            }
        }
        leadNames = List.copyOf(leadNames);
        annotations = List.copyOf(annotations);
    }

    /** Samples per lead. */
    public int length() {
        return leads[0].length;
    }

    public double durationSeconds() {
        return length() / fs;
    }

    /**
     * Reads a WFDB record ({@code dir/record.hea} and its signal files) with the annotations of
     * {@code annotator} ({@code null}: none; an annotator whose file is absent is an error, so a typo
     * does not silently switch to beat detection).
     */
    public static EcgRecording wfdb(Path dir, String record, String annotator) throws IOException {
        if (annotator != null && !Files.isRegularFile(dir.resolve(record + "." + annotator))) {
            throw new NoSuchFileException(dir.resolve(record + "." + annotator).toString(), null,
                    "annotation file of annotator '" + annotator + "' not found (use --annotator none to detect beats)");
        }
        WfdbRecord rec = WfdbRecordReader.read(dir, record, annotator);
        WfdbHeader h = rec.header();
        List<String> names = new ArrayList<>();
        double[][] leads = new double[rec.numSignals()][];
        for (int i = 0; i < rec.numSignals(); i++) {
            String d = h.signal(i).description();
            names.add(d == null || d.isBlank() ? "signal " + i : d.trim());
            leads[i] = rec.physicalDouble(i);
        }
        return new EcgRecording(record, h.samplingFrequency(), names, leads, rec.annotations(), annotator != null);
    }

    /**
     * Reads a CSV of samples: one line per sample, one column per lead, comma-, semicolon-, tab- or
     * space-separated ({@link #cells}); an optional first line of column names (a line that is not all numbers). Without
     * names the columns are called {@code 0, 1, ...}. The sampling rate is not in the file and must
     * be given.
     */
    public static EcgRecording csv(Path file, double fs) throws IOException {
        if (!Files.isRegularFile(file)) {
            throw new NoSuchFileException(file.toString(), null, "CSV file of samples not found");
        }
        List<String> names = null;
        List<double[]> rows = new ArrayList<>();
        int columns = -1;
        try (BufferedReader in = Files.newBufferedReader(file)) {
            String line;
            int lineNo = 0;
            while ((line = in.readLine()) != null) {
                lineNo++;
                if (line.isBlank()) continue;
                String[] cells = cells(line);
                if (columns < 0) {
                    columns = cells.length;
                    if (!numeric(cells)) {
                        names = Arrays.stream(cells).map(c -> c.replace("\"", "").trim()).toList();
                        continue;
                    }
                }
                if (cells.length != columns) {
                    throw new IOException(file + ": line " + lineNo + " has " + cells.length + " columns, expected "
                            + columns + " (one per lead)");
                }
                double[] row = new double[columns];
                for (int c = 0; c < columns; c++) {
                    try {
                        row[c] = Double.parseDouble(cells[c]);
                    } catch (NumberFormatException e) {
                        throw new IOException(file + ": line " + lineNo + ", column " + (c + 1) + ": '" + cells[c]
                                + "' is not a number", e);
                    }
                    if (!Double.isFinite(row[c])) {
                        throw new IOException(file + ": line " + lineNo + ", column " + (c + 1) + " is " + cells[c]
                                + "; samples must be finite");
                    }
                }
                rows.add(row);
            }
        }
        if (rows.isEmpty()) {
            throw new IOException(file + ": no samples (expected one line per sample, one column per lead)");
        }
        double[][] leads = new double[columns][rows.size()];
        for (int i = 0; i < rows.size(); i++) {
            double[] r = rows.get(i);
            for (int c = 0; c < columns; c++) leads[c][i] = r[c];
        }
        if (names == null) {
            names = new ArrayList<>();
            for (int c = 0; c < columns; c++) names.add(Integer.toString(c));
        }
        String name = file.getFileName().toString().replaceFirst("\\.[^.]*$", "");
        return new EcgRecording(name, fs, names, leads, List.of(), false);
    }

    /**
     * The cells of one line of samples: separated by commas, semicolons or tabs (spaces around them
     * ignored), or else by runs of spaces. Shared by CSV files and streamed samples.
     */
    public static String[] cells(String line) {
        String t = line.trim();
        return t.matches(".*[,;\\t].*") ? t.split("\\s*[,;\\t]\\s*") : t.split("\\s+");
    }

    /** Whether every cell parses as a number (a line that does not is a header of lead names). */
    public static boolean numeric(String[] cells) {
        for (String c : cells) {
            try {
                Double.parseDouble(c);
            } catch (NumberFormatException e) {
                return false;
            }
        }
        return true;
    }

    /**
     * Indices of the leads a model of {@code nc} leads reads. Named leads (header descriptions or CSV
     * column names, case-insensitive, or 0-based column numbers) are taken in the order given and must
     * number exactly {@code nc}; with none, MLII first and the others in order, as training did
     * ({@link MitBihBeatDataset#leadOrder}), the first {@code nc} of them.
     */
    public int[] selectLeads(List<String> requested, int nc) {
        if (requested != null && !requested.isEmpty()) {
            if (requested.size() != nc) {
                throw new IllegalArgumentException("the model reads " + nc + " lead" + (nc == 1 ? "" : "s")
                        + " but " + requested.size() + " were chosen (" + requested + ")");
            }
            int[] idx = new int[nc];
            for (int i = 0; i < nc; i++) {
                idx[i] = leadIndex(requested.get(i));
            }
            return idx;
        }
        if (leads.length < nc) {
            throw new IllegalArgumentException(name + " has " + leads.length + " lead" + (leads.length == 1 ? "" : "s")
                    + " " + leadNames + ", the model reads " + nc);
        }
        int[] order = new int[leads.length];
        int mlii = -1;
        for (int i = 0; i < leadNames.size(); i++) {
            if (leadNames.get(i).equalsIgnoreCase(MitBihBeatDataset.MLII)) {
                mlii = i;
                break;
            }
        }
        int k = 0;
        if (mlii >= 0) order[k++] = mlii;
        for (int i = 0; i < leads.length; i++) {
            if (i != mlii) order[k++] = i;
        }
        return Arrays.copyOf(order, nc);
    }

    private int leadIndex(String lead) {
        for (int i = 0; i < leadNames.size(); i++) {
            if (leadNames.get(i).equalsIgnoreCase(lead.trim())) return i;
        }
        try {
            int i = Integer.parseInt(lead.trim());
            if (i >= 0 && i < leads.length) return i;
        } catch (NumberFormatException ignored) {
            // not a column number either
        }
        throw new IllegalArgumentException(name + " has no lead '" + lead + "' (leads: " + leadNames + ")");
    }
}

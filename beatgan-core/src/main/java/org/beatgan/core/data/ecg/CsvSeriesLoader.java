package org.beatgan.core.data.ecg;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import org.datavec.api.records.Record;
import org.datavec.api.records.metadata.RecordMetaData;
import org.datavec.api.records.metadata.RecordMetaDataLine;
import org.datavec.api.records.reader.impl.csv.CSVRecordReader;
import org.datavec.api.split.FileSplit;
import org.datavec.api.writable.Writable;

/**
 * Reads fixed-length labelled time series from CSV through DataVec, so that data sets other than
 * MIT-BIH (e.g. UCR-style archives exported to CSV) can be fed to the same models and splits.
 *
 * <p>Layout: one series per row, the label first, then {@code nc * length} values lead by lead
 * ({@code lead0[0..length), lead1[0..length), ...}), i.e. the row is the C-order flattening of a
 * {@code (nc, length)} beat. With {@code nc = 1} a row is simply {@code label, x0, ..., x(L-1)}.
 * The label is an {@link AamiClass} name ({@code N}, {@code S}, {@code V}, {@code F}, {@code Q},
 * {@code ABNORMAL}; any case) or a binary flag ({@code 0} = normal, {@code 1} = anomaly, stored as
 * {@link AamiClass#ABNORMAL}).
 *
 * <p>A row of the wrong length or with a non-numeric value is an error naming the file and line,
 * since silently padding or dropping rows would shift every later series. Rows are min-max scaled
 * per lead to [-1, 1] by default, like BeatGAN's beats.
 */
public final class CsvSeriesLoader {

    private final int nc;
    private final int length;
    private final int skipLines;
    private final char delimiter;
    private final boolean minMaxScale;

    /**
     * @param nc     leads per series
     * @param length samples per lead, or 0 to take it from the first row
     */
    public CsvSeriesLoader(int nc, int length) {
        this(nc, length, 0, ',', true);
    }

    private CsvSeriesLoader(int nc, int length, int skipLines, char delimiter, boolean minMaxScale) {
        if (nc < 1 || length < 0 || skipLines < 0) {
            throw new IllegalArgumentException("need nc >= 1, length >= 0, skipLines >= 0");
        }
        this.nc = nc;
        this.length = length;
        this.skipLines = skipLines;
        this.delimiter = delimiter;
        this.minMaxScale = minMaxScale;
    }

    /** Skips {@code n} header lines at the top of the file. */
    public CsvSeriesLoader skipLines(int n) {
        return new CsvSeriesLoader(nc, length, n, delimiter, minMaxScale);
    }

    public CsvSeriesLoader delimiter(char d) {
        return new CsvSeriesLoader(nc, length, skipLines, d, minMaxScale);
    }

    /** Whether to scale each series and lead to [-1, 1] (default true). */
    public CsvSeriesLoader minMaxScale(boolean scale) {
        return new CsvSeriesLoader(nc, length, skipLines, delimiter, scale);
    }

    /** Reads every row of {@code csv}. */
    public BeatSet load(Path csv) throws IOException {
        if (!Files.isRegularFile(csv)) {
            throw new IOException(csv + ": file not found");
        }
        List<float[]> rows = new ArrayList<>();
        List<AamiClass> labels = new ArrayList<>();
        int len = length;
        try (CSVRecordReader reader = new CSVRecordReader(skipLines, delimiter)) {
            reader.initialize(new FileSplit(csv.toFile()));
            int fallbackLine = skipLines;
            while (reader.hasNext()) {
                Record rec = reader.nextRecord();
                fallbackLine++;
                int line = lineNumber(rec.getMetaData(), fallbackLine);
                List<Writable> values = rec.getRecord();
                if (len == 0) {
                    int v = values.size() - 1;
                    if (v < nc || v % nc != 0) {
                        throw new IOException(csv + ":" + line + ": " + values.size() + " columns cannot hold a label"
                                + " and " + nc + " equally long leads");
                    }
                    len = v / nc;
                }
                int expected = 1 + nc * len;
                if (values.size() != expected) {
                    throw new IOException(csv + ":" + line + ": expected " + expected + " columns (label + " + nc
                            + " x " + len + " values), found " + values.size());
                }
                labels.add(parseLabel(values.get(0).toString(), csv, line));
                float[] row = new float[nc * len];
                for (int j = 0; j < row.length; j++) {
                    String s = values.get(j + 1).toString().trim();
                    try {
                        row[j] = Float.parseFloat(s);
                    } catch (NumberFormatException e) {
                        throw new IOException(csv + ":" + line + ": column " + (j + 2) + " is not a number: '" + s
                                + "'");
                    }
                }
                if (minMaxScale) {
                    for (int l = 0; l < nc; l++) {
                        BeatWindowing.scaleMinMax(row, l * len, len, row, l * len);
                    }
                }
                rows.add(row);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException(csv + ": interrupted", e);
        }
        if (rows.isEmpty()) {
            throw new IOException(csv + ": no data rows");
        }
        int n = rows.size();
        float[] data = new float[Math.multiplyExact(n, nc * len)];
        for (int i = 0; i < n; i++) {
            System.arraycopy(rows.get(i), 0, data, i * nc * len, nc * len);
        }
        int[] unknown = new int[n];
        java.util.Arrays.fill(unknown, -1);
        return new BeatSet(data, nc, len, labels.toArray(new AamiClass[0]), unknown, unknown.clone());
    }

    /** DataVec numbers lines from 0, counting skipped header lines; humans count from 1. */
    private static int lineNumber(RecordMetaData md, int fallback) {
        if (md instanceof RecordMetaDataLine l) {
            return l.getLineNumber() + 1;
        }
        return fallback;
    }

    private static AamiClass parseLabel(String raw, Path csv, int line) throws IOException {
        String s = raw.trim();
        for (AamiClass c : AamiClass.values()) {
            if (c.name().equalsIgnoreCase(s)) {
                return c;
            }
        }
        try {
            double v = Double.parseDouble(s);
            if (v == 0) {
                return AamiClass.N;
            }
            if (v == 1) {
                return AamiClass.ABNORMAL;
            }
        } catch (NumberFormatException e) {
            // fall through to the error below
        }
        throw new IOException(csv + ":" + line + ": label '" + s + "' is neither 0/1 nor one of N, S, V, F, Q, "
                + AamiClass.ABNORMAL.name());
    }
}

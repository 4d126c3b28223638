package org.beatgan.core.data.ecg;

import org.beatgan.core.data.wfdb.MitAnnotationReader;
import org.beatgan.core.data.wfdb.WfdbAnnotation;
import org.beatgan.core.data.wfdb.WfdbHeader;
import org.beatgan.core.data.wfdb.WfdbRecordReader;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * RR-interval features of a record's beats, in seconds, from the R-peak positions of its reference
 * annotations (every annotation that is an AAMI beat): for beat i with R peaks r,
 * <ul>
 *   <li>{@code previous} = (r_i - r_{i-1}) / fs,</li>
 *   <li>{@code next} = (r_{i+1} - r_i) / fs (future information a streaming detector lacks),</li>
 *   <li>{@code localMean} = the mean of the 10 RR intervals around the beat, those between beats
 *       i-5 .. i+5 ((r_{i+5} - r_{i-5}) / 10 / fs), fewer at the record's ends.</li>
 * </ul>
 * The first beat of a record has no previous interval and takes its next one; the last beat
 * takes its previous one as next.
 */
public final class RrFeatures {

    public static final int FEATURES = 3;
    /** Beats on each side of the local mean's window (10 intervals in all). */
    public static final int LOCAL_HALF_WINDOW = 5;

    private final Map<Long, double[]> byRPeak;

    private RrFeatures(Map<Long, double[]> byRPeak) {
        this.byRPeak = byRPeak;
    }

    /** The features of every beat of {@code record} in {@code mitdbDir}, by R-peak sample. */
    public static RrFeatures of(Path mitdbDir, String record) throws IOException {
        WfdbHeader h = WfdbRecordReader.readHeader(mitdbDir, record);
        List<WfdbAnnotation> ann = MitAnnotationReader.read(mitdbDir.resolve(record + "."
                + WfdbRecordReader.REFERENCE_ANNOTATOR));
        List<Long> peaks = new ArrayList<>();
        for (WfdbAnnotation a : ann) {
            if (AamiClass.fromSymbol(a.symbol()).isPresent()) peaks.add(a.sample());
        }
        return of(peaks, h.samplingFrequency());
    }

    /** The features of beats with R peaks {@code peaks} (ascending samples) at {@code fs} Hz. */
    public static RrFeatures of(List<Long> peaks, double fs) {
        int n = peaks.size();
        if (n < 2) {
            throw new IllegalArgumentException("RR intervals need at least 2 beats, got " + n);
        }
        Map<Long, double[]> out = new HashMap<>();
        for (int i = 0; i < n; i++) {
            double prev = i > 0 ? (peaks.get(i) - peaks.get(i - 1)) / fs : Double.NaN;
            double next = i + 1 < n ? (peaks.get(i + 1) - peaks.get(i)) / fs : Double.NaN;
            if (Double.isNaN(prev)) prev = next;
            if (Double.isNaN(next)) next = prev;
            int lo = Math.max(0, i - LOCAL_HALF_WINDOW), hi = Math.min(n - 1, i + LOCAL_HALF_WINDOW);
            double local = (peaks.get(hi) - peaks.get(lo)) / fs / (hi - lo);
            out.put(peaks.get(i), new double[]{prev, next, local});
        }
        return new RrFeatures(out);
    }

    /** previous, next and local-mean RR of the beat whose R peak is at {@code rSample}. */
    public double[] at(long rSample) {
        double[] f = byRPeak.get(rSample);
        if (f == null) {
            throw new IllegalArgumentException("no annotated beat at sample " + rSample);
        }
        return f;
    }
}

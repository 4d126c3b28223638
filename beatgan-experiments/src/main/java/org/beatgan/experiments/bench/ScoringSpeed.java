package org.beatgan.experiments.bench;

import org.beatgan.core.data.ecg.EcgRecording;
import org.beatgan.core.io.DataLocations;
import org.beatgan.core.model.BeatGanGraph;
import org.beatgan.core.model.GeneratorInference;
import org.beatgan.core.score.EcgBeatScorer;
import org.beatgan.core.score.StreamingBeatScorer;

import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What {@code ./beatgan score} costs on a real 30-minute MIT-BIH record (100): the whole record
 * (read, resample, filter, beats from the annotations or the detector, score), and the same record as a
 * stream (per-beat compute time of the push that completes a beat, and how long after its R peak a beat
 * is reported).
 */
public final class ScoringSpeed {

    private ScoringSpeed() {
    }

    public static Map<String, Object> measure(BeatGanGraph graph, int repeats) throws IOException {
        GeneratorInference g = GeneratorInference.of(graph);
        Map<String, Object> out = new LinkedHashMap<>();
        EcgRecording rec = EcgRecording.wfdb(DataLocations.mitdb(), "100", "atr");
        int[] leads = rec.selectLeads(null, graph.config().nc());
        for (boolean annotations : new boolean[]{true, false}) {
            double best = Double.POSITIVE_INFINITY;
            int beats = 0;
            for (int r = 0; r < repeats + 1; r++) {
                long t0 = System.nanoTime();
                EcgRecording fresh = EcgRecording.wfdb(DataLocations.mitdb(), "100", annotations ? "atr" : null);
                EcgBeatScorer.Prepared p = EcgBeatScorer.prepare(fresh, leads, annotations);
                beats = EcgBeatScorer.score(g, p).length;
                double s = (System.nanoTime() - t0) / 1e9;
                if (r > 0) best = Math.min(best, s); // the first pass warms the JIT up
            }
            Map<String, Object> row = new LinkedHashMap<>();
            row.put("record_seconds", rec.durationSeconds());
            row.put("beats", beats);
            row.put("wall_seconds", best);
            row.put("beats_per_s", beats / best);
            out.put(annotations ? "record_100_annotated_beats" : "record_100_detected_beats", row);
        }
        // streaming: the first 10 minutes sample by sample
        int n = (int) Math.min(rec.length(), 600 * rec.fs());
        StreamingBeatScorer stream = new StreamingBeatScorer(g, leads.length, rec.fs(), Double.MAX_VALUE);
        double[] frame = new double[leads.length];
        List<Double> compute = new ArrayList<>();
        List<Double> delay = new ArrayList<>();
        long t0 = System.nanoTime();
        for (int i = 0; i < n; i++) {
            for (int l = 0; l < leads.length; l++) frame[l] = rec.leads()[leads[l]][i];
            for (StreamingBeatScorer.ScoredBeat b : stream.push(frame)) {
                compute.add(b.computeNanos() / 1e6);
                delay.add((i - b.sample()) / rec.fs());
            }
        }
        stream.finish();
        double wall = (System.nanoTime() - t0) / 1e9;
        double[] c = compute.stream().mapToDouble(Double::doubleValue).toArray();
        double[] d = delay.stream().mapToDouble(Double::doubleValue).toArray();
        Map<String, Object> row = new LinkedHashMap<>();
        row.put("stream_seconds", n / rec.fs());
        row.put("beats", c.length);
        row.put("wall_seconds", wall);
        row.put("realtime_factor", n / rec.fs() / wall);
        row.put("beat_compute_ms_median", InferenceSpeed.quantile(c, 0.5));
        row.put("beat_compute_ms_p99", InferenceSpeed.quantile(c, 0.99));
        row.put("report_delay_s_median", InferenceSpeed.quantile(d, 0.5));
        row.put("report_delay_s_max", InferenceSpeed.quantile(d, 1.0));
        out.put("stream_record_100", row);
        return out;
    }
}

package org.beatgan.core.score;

import org.beatgan.core.data.TestData;
import org.beatgan.core.data.ecg.EcgRecording;
import org.beatgan.core.data.ecg.Resampler;
import org.beatgan.core.data.ecg.StreamingResampler;
import org.beatgan.core.model.BeatGanConfig;
import org.beatgan.core.model.BeatGanGraphBuilder;
import org.beatgan.core.model.GeneratorInference;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.*;

/** Streaming scoring gives the batch path's beats and scores; the streaming resampler equals the batch one. */
class StreamingBeatScorerTest {

    private static final GeneratorInference MODEL =
            GeneratorInference.of(BeatGanGraphBuilder.build(BeatGanConfig.of(1, 8, 4, 4), 5));

    /** The first {@code seconds} of a record's MLII at {@code fs} (resampled from 360 Hz when different). */
    private static EcgRecording segment(String record, double seconds, double fs) throws Exception {
        EcgRecording rec = EcgRecording.wfdb(TestData.mitdb(), record, null);
        double[] lead = Arrays.copyOf(rec.leads()[rec.selectLeads(null, 1)[0]], (int) (seconds * 360));
        if (fs != 360) lead = Resampler.resample(lead, 360, fs);
        return new EcgRecording(record, fs, List.of("MLII"), new double[][]{lead}, List.of(), false);
    }

    private static void assertStreamEqualsBatch(EcgRecording rec) {
        EcgBeatScorer.Prepared batch = EcgBeatScorer.prepare(rec, new int[]{0}, false);
        double[] scores = EcgBeatScorer.score(MODEL, batch);
        StreamingBeatScorer stream = new StreamingBeatScorer(MODEL, 1, rec.fs(), 0.01);
        List<StreamingBeatScorer.ScoredBeat> got = new ArrayList<>();
        for (double x : rec.leads()[0]) got.addAll(stream.push(new double[]{x}));
        int beforeEnd = got.size();
        got.addAll(stream.finish());
        assertTrue(beforeEnd > 0.9 * got.size(), "most beats are emitted before the stream ends: " + beforeEnd);
        assertEquals(batch.beats().size(), got.size(), "beats");
        assertEquals(batch.skippedAtEdges(), stream.skippedAtEdges());
        for (int i = 0; i < got.size(); i++) {
            assertEquals(batch.beats().get(i).sample360(), got.get(i).sample360(), "beat " + i);
            assertEquals(batch.beats().get(i).sample(), got.get(i).sample(), "beat " + i);
            assertEquals(scores[i], got.get(i).score(), 1e-5 * scores[i] + 1e-9, "score of beat " + i);
            assertEquals(got.get(i).score() >= 0.01, got.get(i).flagged());
        }
    }

    @Test
    void streamAt360HzScoresTheBatchBeats() throws Exception {
        EcgRecording rec = segment("119", 60, 360);
        assertStreamEqualsBatch(rec);
        assertTrue(EcgBeatScorer.prepare(rec, new int[]{0}, false).beats().size() > 60, "119 has > 60 beats a minute");
    }

    @Test
    void streamAt250HzScoresTheBatchBeats() throws Exception {
        assertStreamEqualsBatch(segment("208", 40, 250));
    }

    @Test
    void streamingResamplerEqualsTheBatchResampler() {
        Random rnd = new Random(1);
        double[] x = new double[3001];
        for (int i = 0; i < x.length; i++) x[i] = Math.sin(i * 0.05) + 0.1 * rnd.nextGaussian();
        for (double[] rates : new double[][]{{250, 360}, {1000, 360}, {128, 360}, {257, 360}}) {
            Resampler r = Resampler.forRates(rates[0], rates[1]);
            StreamingResampler s = new StreamingResampler(r);
            double[] got = new double[0];
            for (double v : x) got = concat(got, s.push(v));
            got = concat(got, s.flush());
            assertArrayEquals(r.resample(x), got, 0, rates[0] + " Hz");
        }
    }

    @Test
    void badFramesAreNamed() {
        StreamingBeatScorer s = new StreamingBeatScorer(MODEL, 1, 360, 0.01);
        assertThrows(IllegalArgumentException.class, () -> s.push(new double[]{1, 2}));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> s.push(new double[]{Double.NaN}));
        assertTrue(e.getMessage().contains("finite"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> new StreamingBeatScorer(MODEL, 2, 360, 0.01));
        assertThrows(IllegalArgumentException.class, () -> new StreamingBeatScorer(MODEL, 1, 333.3333, 0.01));
    }

    private static double[] concat(double[] a, double[] b) {
        double[] r = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, r, a.length, b.length);
        return r;
    }
}

package org.beatgan.core.data.ecg;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.Random;

import org.beatgan.core.data.TestData;
import org.beatgan.core.data.wfdb.WfdbRecord;
import org.beatgan.core.data.wfdb.WfdbRecordReader;
import org.junit.jupiter.api.Test;

class StreamingBandpassTest {

    private static double[] mlii(String record, int n) throws Exception {
        WfdbRecord rec = WfdbRecordReader.read(TestData.mitdb(), record);
        return Arrays.copyOf(rec.physicalDouble(MitBihBeatDataset.leadOrder(rec.header())[0]), n);
    }

    private static void assertClose(double[] expected, double[] actual) {
        assertEquals(expected.length, actual.length, "length");
        double scale = 0;
        for (double v : expected) {
            scale = Math.max(scale, Math.abs(v));
        }
        for (int i = 0; i < expected.length; i++) {
            assertEquals(expected[i], actual[i], 1e-9 * scale, "sample " + i);
        }
    }

    @Test
    void randomChunksOfARealLeadEqualFiltfiltOfTheWhole() throws Exception {
        double[] x = mlii("208", 20_000);
        BandpassFilter filter = BandpassFilter.beatGan(360);
        double[] expected = filter.filtfilt(x);
        Random rnd = new Random(42);
        for (int trial = 0; trial < 3; trial++) {
            StreamingBandpass s = new StreamingBandpass(filter);
            double[] got = new double[x.length];
            int k = 0;
            int i = 0;
            while (i < x.length) {
                int len = Math.min(x.length - i, rnd.nextInt(trial == 0 ? 3 : 700));
                double[] out = s.push(x, i, i + len);
                i += len;
                System.arraycopy(out, 0, got, k, out.length);
                k += out.length;
                // Every output is emitted as soon as it is determined, no earlier.
                assertEquals(Math.max(0, i - s.latencySamples()), k, "emitted after " + i + " samples");
            }
            double[] rest = s.flush();
            assertEquals(s.latencySamples(), rest.length);
            System.arraycopy(rest, 0, got, k, rest.length);
            assertClose(expected, got);
        }
    }

    @Test
    void samplewisePushAtAnotherRateMatchesToo() {
        double fs = 250;
        BandpassFilter filter = BandpassFilter.beatGan(fs);
        double[] x = new double[3000];
        Random rnd = new Random(7);
        for (int i = 0; i < x.length; i++) {
            x[i] = Math.sin(2 * Math.PI * 1.1 * i / fs) + 0.3 * Math.sin(2 * Math.PI * 17 * i / fs) + 0.05 * rnd.nextGaussian()
                    + 0.8;
        }
        StreamingBandpass s = new StreamingBandpass(filter);
        assertEquals(74, s.latencySamples(), "75 taps at 250 Hz");
        double[] got = new double[x.length];
        int k = 0;
        for (double v : x) {
            for (double y : s.push(v)) {
                got[k++] = y;
            }
        }
        for (double y : s.flush()) {
            got[k++] = y;
        }
        assertEquals(x.length, k);
        assertEquals(x.length, s.samplesOut());
        assertClose(filter.filtfilt(x), got);
    }

    @Test
    void refusesStreamsTooShortToReflectAndUseAfterFlush() {
        StreamingBandpass s = StreamingBandpass.beatGan(360);
        assertEquals(0, s.push(new double[50]).length);
        IllegalStateException e = assertThrows(IllegalStateException.class, s::flush);
        assertTrue(e.getMessage().contains("50 samples") && e.getMessage().contains("109"), e.getMessage());

        StreamingBandpass ok = StreamingBandpass.beatGan(360);
        ok.push(new double[200]);
        assertEquals(108, ok.flush().length);
        assertThrows(IllegalStateException.class, () -> ok.push(1.0));
        assertThrows(IllegalStateException.class, ok::flush);
    }
}

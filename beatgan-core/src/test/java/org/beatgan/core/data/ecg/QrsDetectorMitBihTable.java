package org.beatgan.core.data.ecg;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;

import org.beatgan.core.data.TestData;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

/**
 * Prints {@link QrsDetector}'s beat-by-beat table on BeatGAN's 44 MIT-BIH records (about 5 s), with
 * and without the ventricular flutter episodes. Not part of the normal suite (the class name does
 * not end in Test); run it with
 * {@code mvn -q -o -pl beatgan-core test -Dtest=QrsDetectorMitBihTable -Dbeatgan.detectorTable=true}.
 */
@EnabledIfSystemProperty(named = "beatgan.detectorTable", matches = "true")
class QrsDetectorMitBihTable {

    @Test
    void printsThe44RecordTable() throws Exception {
        for (boolean exclude : new boolean[] {false, true}) {
            List<DetectorEvaluation.Result> results = DetectorEvaluation.evaluate(TestData.mitdb(),
                    MitBihBeatDataset.BEATGAN_RECORDS, exclude);
            System.out.println(exclude ? "Ventricular flutter episodes excluded (EC57):" : "Whole records:");
            System.out.print(DetectorEvaluation.table(results));
            DetectorEvaluation.Result p = DetectorEvaluation.pool(results);
            assertTrue(p.sensitivity() > 0.995, p.toString());
            if (exclude) {
                assertTrue(p.positivePredictivity() > 0.995, p.toString());
            }
        }
    }
}

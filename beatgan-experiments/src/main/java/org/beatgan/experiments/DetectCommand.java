package org.beatgan.experiments;

import org.beatgan.core.data.ecg.DetectorEvaluation;
import org.beatgan.core.data.ecg.MitBihBeatDataset;
import org.beatgan.core.io.AtomicFiles;
import org.beatgan.core.io.DataLocations;
import org.beatgan.core.io.Json;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

/** {@code ./beatgan detect}: the built-in R-peak detector against reference annotations (sensitivity, +P). */
@Command(name = "detect", mixinStandardHelpOptions = true,
        description = {"Run the built-in R-peak detector (Hamilton-Tompkins, the one ./beatgan score uses when a record "
                + "has no annotations) on the first lead (MLII) of annotated WFDB records and compare it with their "
                + "reference beats, a detection matching the nearest unmatched beat within 150 ms: per-record and "
                + "pooled sensitivity, positive predictivity and R-peak offset, as a table.",
                "Example: ./beatgan detect                        (BeatGAN's 44 MIT-BIH records, flutter excluded)",
                "Example: ./beatgan detect --data DIR --records 100,119 --whole-records"})
public final class DetectCommand implements Callable<Integer> {

    @Option(names = "--data", paramLabel = "DIR", description = "Folder of WFDB records with .atr annotations "
            + "(default: the shipped MIT-BIH records).")
    Path data;

    @Option(names = "--records", paramLabel = "NAMES", split = ",",
            description = "Records to compare (default: BeatGAN's 44 MIT-BIH records, the paced ones left out).")
    List<String> records;

    @Option(names = "--whole-records", description = "Count ventricular flutter episodes too (EC57 leaves them out, "
            + "as the default does; flutter waves the detector takes for beats then count as false positives).")
    boolean wholeRecords;

    @Option(names = "--json", paramLabel = "FILE", description = "Also write the figures to FILE.")
    Path json;

    @Override
    public Integer call() throws Exception {
        Path dir = data != null ? data : DataLocations.mitdb();
        List<String> names = records != null && !records.isEmpty() ? records : MitBihBeatDataset.BEATGAN_RECORDS;
        long t0 = System.nanoTime();
        List<DetectorEvaluation.Result> results = DetectorEvaluation.evaluate(dir, names, !wholeRecords);
        System.out.print(DetectorEvaluation.table(results));
        DetectorEvaluation.Result p = DetectorEvaluation.pool(results);
        System.err.printf("%d records, %s, %.1f s%n", results.size(),
                wholeRecords ? "whole records" : "ventricular flutter episodes excluded", (System.nanoTime() - t0) / 1e9);
        if (json != null) {
            Map<String, Object> out = new LinkedHashMap<>();
            out.put("flutter_excluded", !wholeRecords);
            out.put("match_window_ms", DetectorEvaluation.MATCH_WINDOW_SECONDS * 1000);
            out.put("pooled", p);
            out.put("records", results);
            AtomicFiles.write(json, o -> Json.MAPPER.writeValue(o, out));
        }
        return 0;
    }

    public static void main(String[] args) {
        System.exit(Cli.execute(new DetectCommand(), args));
    }
}

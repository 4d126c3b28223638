package org.beatgan.experiments;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/** The one-line JSON a training command prints on stdout when it is done. */
final class Summaries {

    private Summaries() {
    }

    static Map<String, Object> of(Path out, Map<String, Object> metrics) {
        Map<String, Object> summary = new LinkedHashMap<>();
        summary.put("out", out.toAbsolutePath().toString());
        summary.put("test", metrics.get("test"));
        summary.put("params", metrics.get("params"));
        summary.put("best_epoch", metrics.get("best_epoch"));
        return summary;
    }
}

package org.beatgan.experiments.score;

import org.beatgan.core.data.ecg.EcgRecording;
import org.beatgan.core.io.Json;
import org.beatgan.core.model.BeatGanGraph;
import org.beatgan.core.model.GeneratorInference;
import org.beatgan.core.score.StreamingBeatScorer;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code ./beatgan score --stdin}: samples in, one JSON line per beat out, each printed (and flushed)
 * as soon as the beat's window is complete. Lines are samples, columns leads (comma, semicolon, tab or
 * space separated); an optional first line of names lets {@code --lead} choose columns by name.
 */
final class StreamScoring {

    private StreamScoring() {
    }

    static int run(ScoreCommand cmd, BeatGanGraph graph, ScoreCommand.Threshold th, double fs) throws IOException {
        Map<String, Object> end = stream(new InputStreamReader(System.in, StandardCharsets.UTF_8), System.out, graph,
                th.value(), fs, cmd.leads());
        System.err.println(Json.COMPACT.writeValueAsString(end));
        return 0;
    }

    /** Scores the samples of {@code in}, printing beats to {@code out}; returns the end-of-stream summary. */
    static Map<String, Object> stream(Reader in, PrintStream out, BeatGanGraph graph, double threshold, double fs,
                                      List<String> leads) throws IOException {
        int nc = graph.config().nc();
        StreamingBeatScorer scorer = new StreamingBeatScorer(GeneratorInference.of(graph), nc, fs, threshold);
        BufferedReader lines = new BufferedReader(in);
        String line;
        long lineNo = 0;
        int[] columns = null;
        int width = -1;
        double[] frame = new double[nc];
        int beats = 0;
        int flagged = 0;
        long samples = 0;
        while ((line = lines.readLine()) != null) {
            lineNo++;
            if (line.isBlank()) continue;
            String[] cells = EcgRecording.cells(line);
            if (columns == null) {
                boolean header = !EcgRecording.numeric(cells);
                List<String> names = new ArrayList<>();
                for (String c : cells) names.add(c.replace("\"", "").trim());
                width = cells.length;
                columns = chooseColumns(header ? names : null, width, nc, leads);
                if (header) continue;
            }
            if (cells.length != width) {
                throw new IOException("stdin line " + lineNo + " has " + cells.length + " columns, expected " + width);
            }
            for (int l = 0; l < nc; l++) {
                try {
                    frame[l] = Double.parseDouble(cells[columns[l]]);
                } catch (NumberFormatException e) {
                    throw new IOException("stdin line " + lineNo + ", column " + (columns[l] + 1) + ": '"
                            + cells[columns[l]] + "' is not a number", e);
                }
            }
            samples++;
            for (StreamingBeatScorer.ScoredBeat b : scorer.push(frame)) {
                print(out, b);
                beats++;
                if (b.flagged()) flagged++;
            }
        }
        if (samples == 0) {
            throw new IOException("stdin: no samples (expected one line per sample, one column per lead)");
        }
        for (StreamingBeatScorer.ScoredBeat b : scorer.finish()) {
            print(out, b);
            beats++;
            if (b.flagged()) flagged++;
        }
        out.flush();
        Map<String, Object> end = new LinkedHashMap<>();
        end.put("end", true);
        end.put("samples", samples);
        end.put("seconds_of_ecg", samples / fs);
        end.put("beats", beats);
        end.put("flagged", flagged);
        end.put("skipped_at_edges", scorer.skippedAtEdges());
        end.put("threshold", threshold);
        return end;
    }

    private static void print(PrintStream out, StreamingBeatScorer.ScoredBeat b) throws IOException {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("beat", b.number());
        m.put("sample", b.sample());
        m.put("time_s", Math.round(b.seconds() * 1000) / 1000.0);
        m.put("score", b.score());
        m.put("flagged", b.flagged());
        m.put("compute_ms", b.computeNanos() / 1e6);
        out.println(Json.COMPACT.writeValueAsString(m));
        out.flush();
    }

    /** Column of each model lead: named or numbered by {@code --lead}, else the first {@code nc} columns. */
    private static int[] chooseColumns(List<String> names, int width, int nc, List<String> leads) {
        int[] cols = new int[nc];
        if (leads == null || leads.isEmpty()) {
            if (width < nc) {
                throw new IllegalArgumentException("stdin has " + width + " column(s), the model reads " + nc + " leads");
            }
            int mlii = names == null ? -1 : names.stream().map(String::trim).toList().indexOf("MLII");
            int k = 0;
            if (mlii >= 0) cols[k++] = mlii;
            for (int c = 0; c < width && k < nc; c++) if (c != mlii) cols[k++] = c;
            return cols;
        }
        if (leads.size() != nc) {
            throw new IllegalArgumentException("the model reads " + nc + " lead(s) but " + leads.size() + " were chosen "
                    + leads);
        }
        for (int l = 0; l < nc; l++) {
            String want = leads.get(l).trim();
            int found = names == null ? -1 : names.stream().map(String::trim).toList().indexOf(want);
            if (found < 0) {
                try {
                    found = Integer.parseInt(want);
                } catch (NumberFormatException e) {
                    found = -1;
                }
            }
            if (found < 0 || found >= width) {
                throw new IllegalArgumentException("stdin has no column '" + want + "'"
                        + (names == null ? " (no header line; give 0-based column numbers)" : " (columns: " + names + ")"));
            }
            cols[l] = found;
        }
        return cols;
    }
}

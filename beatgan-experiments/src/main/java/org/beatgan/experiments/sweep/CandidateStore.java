package org.beatgan.experiments.sweep;

import com.fasterxml.jackson.core.type.TypeReference;
import org.beatgan.core.io.AtomicFiles;
import org.beatgan.core.io.Json;
import org.deeplearning4j.arbiter.optimize.api.OptimizationResult;
import org.deeplearning4j.arbiter.optimize.api.saving.ResultReference;
import org.deeplearning4j.arbiter.optimize.api.saving.ResultSaver;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * The sweep's results folder: {@code candidates/<id>/result.json} per finished candidate (status,
 * parameters, score, metrics, seconds, model path), written atomically the moment the candidate
 * ends, and the candidate's training run in {@code candidates/<id>/run/}. Also Arbiter's
 * {@link ResultSaver} (Arbiter's FileModelSaver only accepts DL4J Models).
 */
final class CandidateStore implements ResultSaver {

    static final String RESULT = "result.json";

    private final Path root;

    CandidateStore(Path out) {
        this.root = out.resolve("candidates");
    }

    Path dir(Map<String, Double> params) {
        return root.resolve(SweepCandidates.dirName(params));
    }

    /** A finished (done or failed) record of this candidate, or null. */
    Map<String, Object> finished(Map<String, Double> params) throws IOException {
        Path f = dir(params).resolve(RESULT);
        return Files.exists(f) ? read(f) : null;
    }

    void write(Map<String, Double> params, Map<String, Object> record) throws IOException {
        AtomicFiles.write(dir(params).resolve(RESULT), o -> Json.MAPPER.writeValue(o, record));
    }

    List<Map<String, Object>> all() throws IOException {
        List<Map<String, Object>> out = new ArrayList<>();
        if (!Files.isDirectory(root)) return out;
        try (Stream<Path> dirs = Files.list(root)) {
            for (Path d : dirs.sorted().toList()) {
                Path f = d.resolve(RESULT);
                if (Files.exists(f)) out.add(read(f));
            }
        }
        return out;
    }

    private static Map<String, Object> read(Path f) throws IOException {
        try {
            return Json.MAPPER.readValue(f.toFile(), new TypeReference<Map<String, Object>>() {
            });
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IOException(f + ": corrupt candidate result (" + e.getOriginalMessage()
                    + "); delete that candidate folder to rerun it", e);
        }
    }

    @Override
    public ResultReference saveModel(OptimizationResult result, Object modelResult) {
        return new ResultReference() {
            @Override
            public OptimizationResult getResult() {
                return result;
            }

            @Override
            public Object getResultModel() {
                return modelResult;
            }
        };
    }

    @Override
    public List<Class<?>> getSupportedCandidateTypes() {
        return List.of(Object.class);
    }

    @Override
    public List<Class<?>> getSupportedModelTypes() {
        return List.of(Object.class);
    }
}

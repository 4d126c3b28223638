package org.beatgan.distill;

import com.fasterxml.jackson.databind.node.ObjectNode;
import org.beatgan.core.config.ExperimentConfig;
import org.beatgan.core.data.ExperimentData;
import org.beatgan.core.io.Json;
import org.beatgan.core.model.BeatGanGraph;
import org.beatgan.core.model.BeatGanGraphBuilder;
import org.beatgan.core.train.ExperimentRunner;
import org.beatgan.core.train.TrainingRun;

import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Deep mutual learning (Zhang et al. 2018) on BeatGAN: the {@code distill.mutual} peers (students
 * of the config's model, each from its own initialisation) train together on the same batches.
 * On every batch they are updated one after the other, each with BeatGAN's loss plus its
 * {@link MutualTerm} against the others' current predictions, so a later peer imitates an earlier
 * peer's already updated prediction (DML's alternating scheme). Each peer is an ordinary training
 * run in its own folder (model.zip, checkpoint.zip, epochs.jsonl, metrics.json), with validation,
 * model selection and resume; the peers' epochs advance together.
 */
public final class MutualLearning {

    private MutualLearning() {
    }

    /** Folder and run name of peer {@code i} (0-based): "peer-1", "peer-2", ... */
    public static String peerName(int i) {
        return "peer-" + (i + 1);
    }

    /**
     * A peer's seed: the run's seed for the first peer, distinct seeds for the others (and
     * distinct from the first peer of neighbouring run seeds).
     */
    static long peerSeed(long seed, int i) {
        return seed + 7919L * i;
    }

    /** Trains the config's peers into {@code options.out()/peer-<i>}; returns each peer's metrics by name. */
    public static Map<String, Map<String, Object>> run(ExperimentConfig cfg, ExperimentRunner.Options options)
            throws IOException {
        MutualConfig m = config(cfg);
        List<ExperimentRunner.Options> peers = new ArrayList<>();
        for (int i = 0; i < m.peers(); i++) {
            peers.add(new ExperimentRunner.Options(options.out().resolve(peerName(i)), options.resume(),
                    options.progressBar(), options.listeners()));
        }
        return run(cfg, ExperimentRunner.prepareData(cfg), peers);
    }

    /**
     * Trains the config's peers on prepared data; peer {@code i} writes into {@code peers.get(i).out()}.
     * All peers resume or none do: their checkpoints must be at the same epoch.
     */
    public static Map<String, Map<String, Object>> run(ExperimentConfig cfg, ExperimentData.Prepared data,
                                                       List<ExperimentRunner.Options> peers) throws IOException {
        MutualConfig m = config(cfg);
        if (peers.size() != m.peers()) {
            throw new IllegalArgumentException(peers.size() + " output folders for " + m.peers() + " mutual peers");
        }
        Map<String, BeatGanGraph> graphs = new LinkedHashMap<>();
        List<ExperimentConfig> configs = new ArrayList<>();
        for (int i = 0; i < m.peers(); i++) {
            ObjectNode o = Json.MAPPER.createObjectNode();
            o.putObject("training").put("seed", peerSeed(cfg.training().seed(), i));
            ExperimentConfig pc = ExperimentRunner.withDataBatch(cfg.with(o), data);
            configs.add(pc);
            graphs.put(peerName(i), BeatGanGraphBuilder.build(pc.model(), pc.training().seed()));
        }
        List<TrainingRun> runs = new ArrayList<>();
        int i = 0;
        for (Map.Entry<String, BeatGanGraph> self : graphs.entrySet()) {
            Map<String, BeatGanGraph> others = new LinkedHashMap<>(graphs);
            others.remove(self.getKey());
            MutualTerm term = new MutualTerm(self.getValue(), others, m);
            runs.add(ExperimentRunner.trainingRun(configs.get(i), self.getValue(), List.of(term), data.data(),
                    peers.get(i)));
            i++;
        }
        List<Map<String, Object>> results = TrainingRun.runTogether(runs);
        Map<String, Map<String, Object>> metrics = new LinkedHashMap<>();
        List<String> names = List.copyOf(graphs.keySet());
        for (int p = 0; p < names.size(); p++) {
            metrics.put(names.get(p), results.get(p));
        }
        return metrics;
    }

    private static MutualConfig config(ExperimentConfig cfg) {
        MutualConfig m = DistillConfig.from(cfg.distill()).mutual();
        if (m == null) {
            throw new IllegalArgumentException("Mutual learning needs a 'distill.mutual' section, e.g. "
                    + "distill: {mutual: {peers: 2, weight: 1.0, logits: score}}");
        }
        return m;
    }
}

package org.beatgan.experiments;

import com.fasterxml.jackson.databind.ObjectMapper;
import org.beatgan.core.io.AtomicFiles;
import org.beatgan.core.io.Json;
import org.beatgan.core.model.BeatGanConfig;
import org.beatgan.core.model.BeatGanGraph;
import org.beatgan.core.model.BeatGanGraphBuilder;
import org.beatgan.core.model.GeneratorInference;
import org.beatgan.core.model.direct.DirectTrainingStep;
import org.beatgan.core.model.direct.OpProfile;
import org.beatgan.core.train.BeatGanTrainer;
import org.beatgan.core.train.TrainingConfig;
import org.beatgan.distill.Distiller;
import org.beatgan.distill.DistillTermSpec;
import org.beatgan.experiments.bench.InferenceSpeed;
import org.beatgan.experiments.bench.TrainingSpeed;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

/**
 * {@code ./beatgan bench}: training and inference speed of the teacher (ngf=ndf=32) and the
 * student (ngf=ndf=8) at batch 64, by the direct step and through the SameDiff graph (student also
 * with KD + AT terms, which train through the graph), inference latency at batch 1,
 * peak memory, threads and backend. A benchmark, not a test: warm-up excluded, medians.
 */
@Command(name = "bench", mixinStandardHelpOptions = true,
        description = {"Benchmark BeatGAN training and inference speed; prints and writes JSON.",
                "Compare with the PyTorch reference: /usr/bin/python3 ../shared/bench/torch-reference/bench.py --threads 1 --nc 1"})
public final class BenchCommand implements Callable<Integer> {

    @Option(names = "--json", paramLabel = "FILE", description = "Also write the results to FILE.")
    Path json;

    @Option(names = "--nc", defaultValue = "1", description = "Leads (default: ${DEFAULT-VALUE}).")
    int nc;

    @Option(names = "--batch", defaultValue = "64", description = "Batch size (default: ${DEFAULT-VALUE}).")
    int batch;

    @Option(names = "--warmup", defaultValue = "8", description = "Warm-up steps, excluded (default: ${DEFAULT-VALUE}).")
    int warmup;

    @Option(names = "--steps", defaultValue = "10", description = "Timed steps (default: ${DEFAULT-VALUE}).")
    int steps;

    @Option(names = "--step-order", defaultValue = "BEATGAN", description = "BEATGAN or SIMULTANEOUS.")
    TrainingConfig.StepOrder stepOrder;

    @Option(names = "--profile", description = "Also time every op of the student's direct training step (op kind, ms per step, calls).")
    boolean profile;

    @Option(names = "--only", paramLabel = "MODEL", description = "Benchmark only the teacher or only the student "
            + "(e.g. for a profile), only the image rows (images), or only ./beatgan score on a real record (scoring).")
    String only;

    @Option(names = "--images", paramLabel = "SHAPES", split = ",", description = "Also the KD tutorial's image "
            + "classifiers (DeepNN, LightNN, LightNN + KD) at these input shapes, e.g. 3x32x32,1x28x28, at "
            + "--image-batch.")
    List<String> images = new java.util.ArrayList<>();

    @Option(names = "--image-batch", defaultValue = "128", description = "Batch of the image rows (default: ${DEFAULT-VALUE}).")
    int imageBatch;

    @Override
    public Integer call() throws Exception {
        if (batch < 2 || steps < 1 || warmup < 0) {
            throw new IllegalArgumentException("--batch must be >= 2, --steps >= 1, --warmup >= 0");
        }
        if (only != null && !List.of("teacher", "student", "images", "scoring").contains(only)) {
            throw new IllegalArgumentException("--only " + only + ": expected teacher, student, images or scoring");
        }
        if ("images".equals(only) && images.isEmpty()) {
            throw new IllegalArgumentException("--only images needs --images SHAPES (e.g. --images 3x32x32,1x28x28)");
        }
        List<int[]> shapes = new java.util.ArrayList<>();
        for (String sh : images) {
            String[] p = sh.split("x");
            try {
                if (p.length != 3) throw new NumberFormatException();
                shapes.add(new int[]{Integer.parseInt(p[0]), Integer.parseInt(p[1]), Integer.parseInt(p[2])});
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("--images " + sh + ": expected CxHxW, e.g. 3x32x32");
            }
        }
        INDArray x = Nd4j.rand(DataType.FLOAT, batch, nc, BeatGanConfig.BEAT_LENGTH).muli(2).subi(1);
        TrainingConfig tc = TrainingConfig.defaults().withBatchSize(batch).withStepOrder(stepOrder);
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("backend", Nd4j.getBackend().getClass().getSimpleName());
        out.put("platform_extension", System.getProperty("org.bytedeco.javacpp.platform.extension", ""));
        Map<String, Object> threads = new LinkedHashMap<>();
        threads.put("OMP_NUM_THREADS", System.getenv().getOrDefault("OMP_NUM_THREADS", "unset"));
        threads.put("nd4j_max_threads", Nd4j.getEnvironment().maxThreads());
        threads.put("cores", Runtime.getRuntime().availableProcessors());
        out.put("threads", threads);
        out.put("batch", batch);
        out.put("nc", nc);
        out.put("step_order", stepOrder.name());
        out.put("warmup_steps", warmup);
        out.put("timed_steps", steps);

        BeatGanGraph teacher = BeatGanGraphBuilder.build(BeatGanConfig.of(nc, 50, 32, 32), 1);
        if (only == null || only.equals("teacher")) out.put("teacher", model(teacher, tc, x));
        if (only == null || only.equals("student")) out.put("student", student(teacher, tc, x));
        if (only == null || only.equals("scoring")) {
            // ./beatgan score on a real record, whole and streamed, with the bench's teacher and student widths
            Map<String, Object> scoring = new LinkedHashMap<>();
            scoring.put("teacher", org.beatgan.experiments.bench.ScoringSpeed.measure(teacher, 2));
            scoring.put("student", org.beatgan.experiments.bench.ScoringSpeed.measure(
                    BeatGanGraphBuilder.build(BeatGanConfig.of(nc, 50, 8, 8), 2), 2));
            out.put("scoring", scoring);
        }
        List<Map<String, Object>> imageRows = new java.util.ArrayList<>();
        for (int[] sh : shapes) {
            imageRows.add(org.beatgan.experiments.bench.ImageSpeed.measure(sh[0], sh[1], sh[2], imageBatch,
                    Math.min(warmup, 3), steps));
        }
        if (!imageRows.isEmpty()) out.put("images", imageRows);

        Map<String, Object> mem = new LinkedHashMap<>();
        mem.put("peak_rss_bytes", peakRss());
        mem.put("jvm_heap_peak_bytes", ManagementFactory.getMemoryPoolMXBeans().stream()
                .filter(p -> p.getType() == java.lang.management.MemoryType.HEAP)
                .mapToLong(p -> p.getPeakUsage().getUsed()).sum());
        out.put("memory", mem);
        String text = Json.MAPPER.writeValueAsString(out);
        System.out.println(text);
        if (json != null) AtomicFiles.writeString(json, text);
        return 0;
    }

    private Map<String, Object> student(BeatGanGraph teacher, TrainingConfig tc, INDArray x) throws Exception {
        BeatGanGraph student = BeatGanGraphBuilder.build(BeatGanConfig.of(nc, 50, 8, 8), 2);
        Map<String, Object> s = model(student, tc, x);
        if (profile) {
            s.put("train_profile", profileDirectStep(student, tc, x));
        }
        BeatGanGraph distilled = BeatGanGraphBuilder.build(BeatGanConfig.of(nc, 50, 8, 8), 3);
        ObjectMapper yaml = Json.YAML;
        List<DistillTermSpec> terms = List.of(
                yaml.treeToValue(yaml.readTree("{loss: kd, weight: 1, params: {T: 4}, inputs: {logits: score}}"), DistillTermSpec.class),
                yaml.treeToValue(yaml.readTree("{loss: at, weight: 1000, inputs: {feats: [G/enc/act1, G/enc/act2, G/enc/act3, G/enc/act4, G/enc/act5]}}"), DistillTermSpec.class));
        BeatGanTrainer dt = new BeatGanTrainer(distilled, tc, List.of(new Distiller(teacher, distilled, terms)));
        s.put("train_distill_kd_at", speed(TrainingSpeed.measure(dt, x, warmup, steps)));
        BeatGanGraph viaGraph = BeatGanGraphBuilder.build(BeatGanConfig.of(nc, 50, 8, 8), 3);
        BeatGanTrainer gt = new BeatGanTrainer(viaGraph, tc.withStepEngine(TrainingConfig.StepEngine.GRAPH),
                List.of(new Distiller(teacher, viaGraph, terms)));
        s.put("train_distill_kd_at_samediff_graph", speed(TrainingSpeed.measure(gt, x, warmup, steps)));
        return s;
    }

    /** Op kinds of the direct step: ms per step and calls per step, largest first. */
    private Map<String, Object> profileDirectStep(BeatGanGraph g, TrainingConfig tc, INDArray x) {
        BeatGanTrainer t = new BeatGanTrainer(g, tc);
        TrainingSpeed.measure(t, x, warmup, 1);
        OpProfile p = new OpProfile();
        DirectTrainingStep.profile(p);
        TrainingSpeed.Result r;
        try {
            r = TrainingSpeed.measure(t, x, 0, steps);
        } finally {
            DirectTrainingStep.profile(null);
        }
        Map<String, Object> out = new LinkedHashMap<>();
        double total = 0;
        for (Map.Entry<String, double[]> e : p.perStep(steps).entrySet()) {
            out.put(e.getKey(), Map.of("ms_per_step", e.getValue()[0], "calls_per_step", e.getValue()[1]));
            total += e.getValue()[0];
        }
        out.put("ops_total_ms_per_step", total);
        out.put("step_ms_median_while_profiling", r.stepMsMedian());
        return out;
    }

    private Map<String, Object> model(BeatGanGraph g, TrainingConfig tc, INDArray x) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("ngf", g.config().ngf());
        m.put("ndf", g.config().ndf());
        m.put("params_G", g.parameterCount(BeatGanGraph.Network.G));
        BeatGanTrainer t = new BeatGanTrainer(g, tc);
        m.put("train", speed(TrainingSpeed.measure(t, x, warmup, steps)));
        // the same step through SameDiff's graph, what distillation terms train through
        BeatGanTrainer viaGraph = new BeatGanTrainer(g, tc.withStepEngine(TrainingConfig.StepEngine.GRAPH));
        m.put("train_samediff_graph", speed(TrainingSpeed.measure(viaGraph, x, warmup, steps)));
        // the scoring path (GeneratorInference, what AnomalyScorer uses) and, for comparison, the
        // same forward pass through SameDiff's training graph
        GeneratorInference fast = GeneratorInference.of(g);
        m.put("infer", inference(InferenceSpeed.measure(g.config(), fast::scores, Math.max(10, steps * 2),
                Math.max(200, steps * 20))));
        m.put("infer_samediff_graph", inference(InferenceSpeed.measure(g.config(), g::scores,
                Math.max(10, steps * 2), Math.max(50, steps * 10))));
        return m;
    }

    private static Map<String, Object> inference(InferenceSpeed.Result inf) {
        Map<String, Object> i = new LinkedHashMap<>();
        i.put("beats_per_s", inf.beatsPerSecondBatch64());
        i.put("latency_ms_batch1_median", inf.latencyMsMedian());
        i.put("latency_ms_batch1_p90", inf.latencyMsP90());
        return i;
    }

    private static Map<String, Object> speed(TrainingSpeed.Result r) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("beats_per_s", r.beatsPerSecond());
        m.put("step_ms_median", r.stepMsMedian());
        m.put("step_ms_p90", r.stepMsP90());
        return m;
    }

    /** Peak resident set size of this process (VmHWM), 0 where /proc is not available. */
    private static long peakRss() {
        try {
            for (String l : java.nio.file.Files.readAllLines(Path.of("/proc/self/status"))) {
                if (l.startsWith("VmHWM:")) return Long.parseLong(l.replaceAll("\\D", "")) * 1024;
            }
        } catch (Exception ignored) {
            // not Linux
        }
        return 0;
    }

    public static void main(String[] args) {
        System.exit(Cli.execute(new BenchCommand(), args));
    }

}

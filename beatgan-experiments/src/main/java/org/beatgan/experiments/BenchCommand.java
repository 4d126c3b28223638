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

    @Option(names = "--rows", paramLabel = "COMMAND", hidden = true, description = "Internal: measure only the rows of "
            + "one command kind (TRAIN, DISTILL, IMAGES, SCORE) in this process, at its threads.")
    Rows rows;

    /**
     * The command kind a row measures, and so the OpenMP threads it runs at: what the launcher gives
     * that kind of command (exported as BEATGAN_THREADS_TRAIN / _DISTILL / _IMAGES / _SCORE; the launcher's
     * table is the one place these are decided). A kind whose threads differ from this process's
     * is measured in a child JVM started with them.
     */
    enum Rows {
        /** train, evaluate, bench: the teacher's and the student's plain steps */
        TRAIN,
        /** distill, experiment, sweep: the distillation steps */
        DISTILL,
        /** experiment on image classifiers (the KD tutorial's configs): the image rows */
        IMAGES,
        /** score, detect: inference and ./beatgan score on a record */
        SCORE;

        int threads(int own) {
            String v = System.getenv("BEATGAN_THREADS_" + name());
            try {
                return v == null || v.isBlank() ? own : Integer.parseInt(v.trim());
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("BEATGAN_THREADS_" + name() + "=" + v + ": expected a thread count");
            }
        }
    }

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
        // OpenBLAS's kernels (the scorer's sgemm) follow it: an environment may pin an older CPU's
        out.put("openblas_coretype", System.getenv().getOrDefault("OPENBLAS_CORETYPE", "detected"));
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

        int own = ownThreads();
        Map<String, Object> byCommand = new LinkedHashMap<>();
        for (Rows r : Rows.values()) {
            if (rows != null && r != rows || !hasRows(r, shapes)) continue;
            int t = rows != null ? own : r.threads(own);
            byCommand.put(r.name().toLowerCase(), t);
            merge(out, t == own ? measure(r, x, tc, shapes) : inChild(r, t));
        }
        threads.put("by_command", byCommand);

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

    private static int ownThreads() {
        String v = System.getenv("OMP_NUM_THREADS");
        try {
            return v == null ? Nd4j.getEnvironment().maxThreads() : Integer.parseInt(v.trim());
        } catch (NumberFormatException e) {
            return Nd4j.getEnvironment().maxThreads();
        }
    }

    /** Whether {@code --only} and {@code --images} leave any row of kind {@code r}. */
    private boolean hasRows(Rows r, List<int[]> shapes) {
        return switch (r) {
            case TRAIN -> only == null || only.equals("teacher") || only.equals("student");
            case DISTILL -> only == null || only.equals("student");
            case IMAGES -> !shapes.isEmpty();
            case SCORE -> only == null || only.equals("teacher") || only.equals("student") || only.equals("scoring");
        };
    }

    private BeatGanGraph teacher;

    /** The bench's teacher (ngf = ndf = 32), built once, when a row first needs it. */
    private BeatGanGraph teacher() {
        if (teacher == null) teacher = BeatGanGraphBuilder.build(BeatGanConfig.of(nc, 50, 32, 32), 1);
        return teacher;
    }

    /** The rows of one command kind, measured in this process; each row says its threads. */
    private Map<String, Object> measure(Rows r, INDArray x, TrainingConfig tc, List<int[]> shapes) throws Exception {
        Map<String, Object> out = new LinkedHashMap<>();
        int t = ownThreads();
        boolean doTeacher = only == null || only.equals("teacher");
        boolean doStudent = only == null || only.equals("student");
        switch (r) {
            case TRAIN -> {
                if (doTeacher) out.put("teacher", trainRows(teacher(), tc, x, t));
                if (doStudent) {
                    BeatGanGraph student = BeatGanGraphBuilder.build(BeatGanConfig.of(nc, 50, 8, 8), 2);
                    Map<String, Object> m = trainRows(student, tc, x, t);
                    if (profile) m.put("train_profile", profileDirectStep(student, tc, x));
                    out.put("student", m);
                }
            }
            case DISTILL -> {
                if (doStudent) out.put("student", distillRows(teacher(), tc, x, t));
            }
            case IMAGES -> {
                List<Map<String, Object>> imageRows = new java.util.ArrayList<>();
                for (int[] sh : shapes) {
                    Map<String, Object> row = new LinkedHashMap<>(org.beatgan.experiments.bench.ImageSpeed.measure(
                            sh[0], sh[1], sh[2], imageBatch, Math.min(warmup, 3), steps));
                    row.put("threads", t);
                    imageRows.add(row);
                }
                if (!imageRows.isEmpty()) out.put("images", imageRows);
            }
            case SCORE -> {
                if (doTeacher) out.put("teacher", inferRows(teacher(), t));
                if (doStudent) out.put("student", inferRows(BeatGanGraphBuilder.build(BeatGanConfig.of(nc, 50, 8, 8), 2), t));
                if (only == null || only.equals("scoring")) {
                    // ./beatgan score on a real record, whole and streamed, with the bench's teacher and student widths
                    Map<String, Object> scoring = new LinkedHashMap<>();
                    scoring.put("threads", t);
                    scoring.put("teacher", org.beatgan.experiments.bench.ScoringSpeed.measure(teacher(), 2));
                    scoring.put("student", org.beatgan.experiments.bench.ScoringSpeed.measure(
                            BeatGanGraphBuilder.build(BeatGanConfig.of(nc, 50, 8, 8), 2), 2));
                    out.put("scoring", scoring);
                }
            }
        }
        return out;
    }

    /** The same bench, only {@code r}'s rows, in a JVM started with {@code threads} OpenMP threads. */
    private Map<String, Object> inChild(Rows r, int threads) throws Exception {
        Path tmp = java.nio.file.Files.createTempFile("beatgan-bench-" + r.name().toLowerCase(), ".json");
        try {
            List<String> cmd = new java.util.ArrayList<>();
            cmd.add(ProcessHandle.current().info().command().orElse("java"));
            // the parent's JVM options (heap, JavaCPP's bounds, the backend), not its debugger or agents
            ManagementFactory.getRuntimeMXBean().getInputArguments().stream()
                    .filter(a -> !a.startsWith("-agentlib") && !a.startsWith("-javaagent") && !a.startsWith("-Xrunjdwp")
                            && !a.startsWith("-agentpath"))
                    .forEach(cmd::add);
            cmd.add("-cp");
            cmd.add(System.getProperty("java.class.path"));
            cmd.add(BeatGanCli.class.getName());
            cmd.add("bench");
            cmd.addAll(List.of("--rows", r.name(), "--json", tmp.toString(), "--nc", "" + nc, "--batch", "" + batch,
                    "--warmup", "" + warmup, "--steps", "" + steps, "--step-order", stepOrder.name(),
                    "--image-batch", "" + imageBatch));
            if (only != null) cmd.addAll(List.of("--only", only));
            if (profile) cmd.add("--profile");
            if (!images.isEmpty()) cmd.addAll(List.of("--images", String.join(",", images)));
            ProcessBuilder pb = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.INHERIT)
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD);
            pb.environment().put("OMP_NUM_THREADS", String.valueOf(threads));
            System.err.println("bench: " + r.name().toLowerCase() + " rows at " + threads + " thread(s), in a child JVM");
            Process child = pb.start();
            int rc;
            try {
                rc = child.waitFor();
            } catch (InterruptedException e) {
                child.destroyForcibly();
                throw e;
            }
            if (rc != 0) {
                throw new IllegalStateException("bench: the JVM of the " + r.name().toLowerCase() + " rows exited " + rc);
            }
            @SuppressWarnings("unchecked")
            Map<String, Object> m = Json.MAPPER.readValue(tmp.toFile(), Map.class);
            Map<String, Object> rowsOnly = new LinkedHashMap<>();
            for (String k : List.of("teacher", "student", "scoring", "images")) {
                if (m.containsKey(k)) rowsOnly.put(k, m.get(k));
            }
            if (m.get("memory") != null) rowsOnly.put("memory_" + r.name().toLowerCase() + "_rows", m.get("memory"));
            return rowsOnly;
        } finally {
            java.nio.file.Files.deleteIfExists(tmp);
        }
    }

    /** Adds {@code from}'s entries to {@code into}, merging nested maps (a model's rows of several kinds). */
    @SuppressWarnings("unchecked")
    private static void merge(Map<String, Object> into, Map<String, Object> from) {
        for (Map.Entry<String, Object> e : from.entrySet()) {
            Object have = into.get(e.getKey());
            if (have instanceof Map<?, ?> hm && e.getValue() instanceof Map<?, ?> fm) {
                merge((Map<String, Object>) hm, (Map<String, Object>) fm);
            } else {
                into.put(e.getKey(), e.getValue());
            }
        }
    }

    private Map<String, Object> distillRows(BeatGanGraph teacher, TrainingConfig tc, INDArray x, int threads)
            throws Exception {
        Map<String, Object> s = new LinkedHashMap<>();
        BeatGanGraph distilled = BeatGanGraphBuilder.build(BeatGanConfig.of(nc, 50, 8, 8), 3);
        ObjectMapper yaml = Json.YAML;
        List<DistillTermSpec> terms = List.of(
                yaml.treeToValue(yaml.readTree("{loss: kd, weight: 1, params: {T: 4}, inputs: {logits: score}}"), DistillTermSpec.class),
                yaml.treeToValue(yaml.readTree("{loss: at, weight: 1000, inputs: {feats: [G/enc/act1, G/enc/act2, G/enc/act3, G/enc/act4, G/enc/act5]}}"), DistillTermSpec.class));
        BeatGanTrainer dt = new BeatGanTrainer(distilled, tc, List.of(new Distiller(teacher, distilled, terms)));
        s.put("train_distill_kd_at", speed(TrainingSpeed.measure(dt, x, warmup, steps), threads));
        BeatGanGraph viaGraph = BeatGanGraphBuilder.build(BeatGanConfig.of(nc, 50, 8, 8), 3);
        BeatGanTrainer gt = new BeatGanTrainer(viaGraph, tc.withStepEngine(TrainingConfig.StepEngine.GRAPH),
                List.of(new Distiller(teacher, viaGraph, terms)));
        s.put("train_distill_kd_at_samediff_graph", speed(TrainingSpeed.measure(gt, x, warmup, steps), threads));
        // a probing term (the zoo's settings, with a fixed boundary in place of the one its
        // pre-training finds): on the direct step, its attacked beats through a further generator pass
        BeatGanGraph probed = BeatGanGraphBuilder.build(BeatGanConfig.of(nc, 50, 8, 8), 3);
        List<DistillTermSpec> bss = List.of(yaml.treeToValue(yaml.readTree(
                "{loss: bss_score, weight: 30, params: {T: 1, num_steps: 3, beats: 16, threshold: 0.05}}"), DistillTermSpec.class));
        BeatGanTrainer bt = new BeatGanTrainer(probed, tc, List.of(new Distiller(teacher, probed, bss)));
        s.put("train_distill_bss_score", speed(TrainingSpeed.measure(bt, x, warmup, steps), threads));
        BeatGanGraph sketched = BeatGanGraphBuilder.build(BeatGanConfig.of(nc, 50, 8, 8), 3);
        List<DistillTermSpec> sobolev = List.of(yaml.treeToValue(yaml.readTree(
                "{loss: sobolev_fd, weight: 1, params: {directions: 8, step: 0.01, beats: 8}}"), DistillTermSpec.class));
        BeatGanTrainer st = new BeatGanTrainer(sketched, tc, List.of(new Distiller(teacher, sketched, sobolev, 0, 0)));
        s.put("train_distill_sobolev_fd", speed(TrainingSpeed.measure(st, x, warmup, steps), threads));
        // CRD (the zoo's settings) keeps a memory bank of the training set's embeddings: the whole graph
        BeatGanGraph contrasted = BeatGanGraphBuilder.build(BeatGanConfig.of(nc, 50, 8, 8), 3);
        List<DistillTermSpec> crd = List.of(yaml.treeToValue(yaml.readTree(
                "{loss: crd, weight: 0.8, params: {feat_dim: 64, nce_n: 512}, inputs: {feat: G/latent}}"), DistillTermSpec.class));
        int trainingSet = 4096;
        BeatGanTrainer ct = new BeatGanTrainer(contrasted, tc,
                List.of(new Distiller(teacher, contrasted, crd, trainingSet, 0)));
        int[] indices = java.util.stream.IntStream.range(0, (int) x.size(0)).map(i -> i * 61 % trainingSet).toArray();
        s.put("train_distill_crd", speed(TrainingSpeed.measure(ct, x, indices, warmup, steps), threads));
        // terms on D's logit (the zoo's settings): D's step takes their gradient there; lwm_fd (the
        // zoo's settings): a pass of G's remainder after G/enc/act2 on its 2 C perturbed copies per beat
        for (String[] row : new String[][]{
                {"train_distill_lwm_fd", "{loss: lwm_fd, weight: 10, params: {layer: G/enc/act2, beats: 8}}"},
                {"train_distill_st", "{loss: st, weight: 1, params: {T: 4}, inputs: {logits: discriminator}}"},
                {"train_distill_irg", "{loss: irg, weight: 1, inputs: {feats: [G/enc/act4, G/enc/act5], emb: G/latent, "
                        + "logits: discriminator}}"}}) {
            BeatGanGraph g = BeatGanGraphBuilder.build(BeatGanConfig.of(nc, 50, 8, 8), 3);
            List<DistillTermSpec> term = List.of(yaml.treeToValue(yaml.readTree(row[1]), DistillTermSpec.class));
            BeatGanTrainer t = new BeatGanTrainer(g, tc, List.of(new Distiller(teacher, g, term)));
            s.put(row[0], speed(TrainingSpeed.measure(t, x, warmup, steps), threads));
        }
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

    private Map<String, Object> trainRows(BeatGanGraph g, TrainingConfig tc, INDArray x, int threads) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("ngf", g.config().ngf());
        m.put("ndf", g.config().ndf());
        m.put("params_G", g.parameterCount(BeatGanGraph.Network.G));
        BeatGanTrainer t = new BeatGanTrainer(g, tc);
        m.put("train", speed(TrainingSpeed.measure(t, x, warmup, steps), threads));
        // the same step through SameDiff's graph, what distillation terms train through
        BeatGanTrainer viaGraph = new BeatGanTrainer(g, tc.withStepEngine(TrainingConfig.StepEngine.GRAPH));
        m.put("train_samediff_graph", speed(TrainingSpeed.measure(viaGraph, x, warmup, steps), threads));
        return m;
    }

    private Map<String, Object> inferRows(BeatGanGraph g, int threads) {
        Map<String, Object> m = new LinkedHashMap<>();
        // the scoring path (GeneratorInference, what AnomalyScorer uses) and, for comparison, the
        // same forward pass through SameDiff's training graph
        GeneratorInference fast = GeneratorInference.of(g);
        m.put("infer", inference(InferenceSpeed.measure(g.config(), fast::scores, Math.max(10, steps * 2),
                Math.max(200, steps * 20)), threads));
        m.put("infer_samediff_graph", inference(InferenceSpeed.measure(g.config(), g::scores,
                Math.max(10, steps * 2), Math.max(50, steps * 10)), threads));
        return m;
    }

    private static Map<String, Object> inference(InferenceSpeed.Result inf, int threads) {
        Map<String, Object> i = new LinkedHashMap<>();
        i.put("threads", threads);
        i.put("beats_per_s", inf.beatsPerSecondBatch64());
        i.put("latency_ms_batch1_median", inf.latencyMsMedian());
        i.put("latency_ms_batch1_p90", inf.latencyMsP90());
        return i;
    }

    private static Map<String, Object> speed(TrainingSpeed.Result r, int threads) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("threads", threads);
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

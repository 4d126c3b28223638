package org.beatgan.experiments.bench;

import com.fasterxml.jackson.databind.node.ObjectNode;
import org.beatgan.core.io.Json;
import org.beatgan.core.model.ClassifierModel;
import org.beatgan.core.model.image.ClassifierSpec;
import org.beatgan.core.model.image.ImageClassifierGraph;
import org.beatgan.core.train.LossExtension;
import org.beatgan.core.train.classifier.ClassifierTrainer;
import org.beatgan.core.train.classifier.ClassifierTrainingConfig;
import org.beatgan.distill.DistillTermSpec;
import org.beatgan.distill.Distiller;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * The KD tutorial's image rows of {@code ./beatgan bench}: training images/s of the teacher
 * (DeepNN) and the student (LightNN) with CE, the student with CE + KD against the frozen teacher
 * (T = 2, weights 0.25 / 0.75, as the tutorial and {@code bench_tutorial.py}), and inference
 * images/s of both, at one input shape; medians over timed steps after warm-up.
 */
public final class ImageSpeed {

    /** The least warm-up of a training row, in seconds (see {@link #train}). */
    static final double WARMUP_SECONDS = 6;

    private ImageSpeed() {
    }

    public static Map<String, Object> measure(int channels, int height, int width, int batch, int warmup, int steps) {
        INDArray x = Nd4j.randn(DataType.FLOAT, batch, channels, height, width);
        INDArray y = Nd4j.zeros(DataType.FLOAT, batch, 10);
        for (int i = 0; i < batch; i++) y.putScalar(i, (i * 7) % 10, 1f);
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("shape", channels + "x" + height + "x" + width);
        out.put("batch", batch);
        ImageClassifierGraph teacher = ImageClassifierGraph.build(ClassifierSpec.deepNN(10), channels, height, width,
                DataType.FLOAT, 1);
        for (String name : List.of("teacher", "student")) {
            ImageClassifierGraph g = name.equals("teacher") ? ImageClassifierGraph.build(ClassifierSpec.deepNN(10),
                    channels, height, width, DataType.FLOAT, 2)
                    : ImageClassifierGraph.build(ClassifierSpec.lightNN(10), channels, height, width, DataType.FLOAT, 3);
            Map<String, Object> row = new LinkedHashMap<>();
            row.put("params", g.parameterCount());
            row.put("train_images_per_s", train(g, List.of(), 1.0, x, y, warmup, steps, row));
            row.put("infer_images_per_s", infer(g, x, warmup, steps));
            out.put(name, row);
        }
        ImageClassifierGraph student = ImageClassifierGraph.build(ClassifierSpec.lightNN(10), channels, height, width,
                DataType.FLOAT, 3);
        ObjectNode term = Json.MAPPER.createObjectNode().put("name", "kd").put("loss", "kd").put("weight", 0.25);
        term.putObject("params").put("T", 2.0);
        term.putObject("inputs").put("logits", "logits");
        DistillTermSpec kd = Json.MAPPER.convertValue(term, DistillTermSpec.class);
        Distiller d = new Distiller(teacher, student, List.of(kd));
        Map<String, Object> kdRow = new LinkedHashMap<>();
        kdRow.put("train_images_per_s", train(student, List.of(d), 0.75, x, y, warmup, steps, kdRow));
        out.put("student_kd", kdRow);
        return out;
    }

    private static double train(ClassifierModel g, List<LossExtension> ext, double taskWeight, INDArray x, INDArray y,
                                int warmup, int steps, Map<String, Object> row) {
        ClassifierTrainer t = new ClassifierTrainer(g, ClassifierTrainingConfig.defaults().withBatchSize((int) x.size(0))
                .withTaskWeight(taskWeight), ext);
        row.put("step_engine", t.stepEngine());
        SplittableRandom rng = new SplittableRandom(0);
        List<Double> times = new ArrayList<>();
        // SameDiff's executor is Java the JIT compiles over many steps: a small model's first ~50
        // steps run up to 4x slower, so warm-up lasts WARMUP_SECONDS as well as the warm-up steps
        long warmEnd = System.nanoTime() + (long) (WARMUP_SECONDS * 1e9);
        for (int i = 0; times.size() < steps; i++) {
            // the next batch is announced as in training, so a frozen teacher's pass can overlap the step
            t.upcoming(x);
            long t0 = System.nanoTime();
            t.step(x, y, null, 0, rng);
            if (i >= warmup && t0 >= warmEnd) times.add((System.nanoTime() - t0) / 1e9);
        }
        return x.size(0) / median(times);
    }

    /** The logits in inference mode as evaluation and a frozen teacher get them ({@link ClassifierModel#forward}). */
    private static double infer(ClassifierModel g, INDArray x, int warmup, int steps) {
        List<Double> times = new ArrayList<>();
        for (int i = 0; i < warmup + steps; i++) {
            long t0 = System.nanoTime();
            g.forward(x, false, g.logitsName());
            if (i >= warmup) times.add((System.nanoTime() - t0) / 1e9);
        }
        return x.size(0) / median(times);
    }

    private static double median(List<Double> v) {
        List<Double> s = new ArrayList<>(v);
        s.sort(null);
        int n = s.size();
        return n % 2 == 1 ? s.get(n / 2) : (s.get(n / 2 - 1) + s.get(n / 2)) / 2;
    }
}

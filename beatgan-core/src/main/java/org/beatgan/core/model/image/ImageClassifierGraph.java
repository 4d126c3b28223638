package org.beatgan.core.model.image;

import org.beatgan.core.model.StableMath;
import org.beatgan.core.model.direct.ClassifierTrainingStep;

import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.impl.layers.convolution.config.Conv2DConfig;
import org.nd4j.linalg.api.ops.impl.layers.convolution.config.PaddingMode;
import org.nd4j.linalg.api.ops.impl.layers.convolution.config.Pooling2DConfig;
import org.nd4j.linalg.factory.Nd4j;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SplittableRandom;

/**
 * An image classifier ({@link ClassifierSpec}) as a SameDiff graph with named activations:
 * placeholder {@code x} (B, C, H, W), every layer's output under its spec name, {@code logits}
 * (B, classes), and the task loss {@code loss/ce} = mean softmax cross-entropy against the
 * placeholder {@code labels} (one-hot, B x classes), written from elementary ops (M2.1's built-in
 * loss ops ignore upstream gradients). Dropout multiplies by a mask placeholder
 * ({@code <name>/mask}) that {@link #dropoutMasks} makes from a seeded generator, so a run
 * reproduces (and resumes) exactly; inference mode feeds ones. Parameters are {@code <layer>/W},
 * {@code <layer>/b}, initialised as PyTorch's Conv2d / Linear defaults (weights and biases
 * uniform in +-1/sqrt(fan_in)).
 */
public final class ImageClassifierGraph implements org.beatgan.core.model.ClassifierModel {

    public static final String INPUT = "x";
    public static final String LABELS = "labels";
    public static final String LOSS = "loss/ce";

    private final SameDiff sd;
    private final ClassifierSpec spec;
    private final int channels;
    private final int height;
    private final int width;
    private final DataType dtype;
    private final Map<String, long[]> activationShapes;
    private final List<String> parameters;
    private final Map<String, Long> dropoutWidths;
    private final String logits;
    private ClassifierTrainingStep direct;

    private ImageClassifierGraph(SameDiff sd, ClassifierSpec spec, int channels, int height, int width, DataType dtype,
                                 Map<String, long[]> shapes, List<String> parameters, Map<String, Long> dropoutWidths) {
        this.sd = sd;
        this.spec = spec;
        this.channels = channels;
        this.height = height;
        this.width = width;
        this.dtype = dtype;
        this.activationShapes = Collections.unmodifiableMap(shapes);
        this.parameters = List.copyOf(parameters);
        this.dropoutWidths = Collections.unmodifiableMap(dropoutWidths);
        this.logits = spec.layers().get(spec.layers().size() - 1).output();
    }

    public static ImageClassifierGraph build(ClassifierSpec spec, int channels, int height, int width, DataType dtype,
                                             long seed) {
        if (channels < 1 || height < 1 || width < 1) {
            throw new IllegalArgumentException("input shape " + channels + "x" + height + "x" + width
                    + ", expected positive channels, height and width");
        }
        SameDiff sd = SameDiff.create();
        SplittableRandom rng = new SplittableRandom(seed);
        SDVariable h = sd.placeHolder(INPUT, dtype, -1, channels, height, width);
        long[] shape = {channels, height, width};
        Map<String, long[]> shapes = new LinkedHashMap<>();
        List<String> params = new ArrayList<>();
        Map<String, Long> dropouts = new LinkedHashMap<>();
        ClassifierSpec.Layer last = spec.layers().get(spec.layers().size() - 1);
        if (!(last instanceof ClassifierSpec.Linear)) {
            throw new IllegalArgumentException(spec.name() + ": the last layer must be the Linear logits");
        }
        for (ClassifierSpec.Layer layer : spec.layers()) {
            if (layer instanceof ClassifierSpec.Conv c) {
                if (shape.length != 3) throw new IllegalArgumentException(spec.name() + ": conv after flatten");
                long fanIn = shape[0] * c.kernel() * c.kernel();
                SDVariable w = param(sd, params, c.output() + "/W", new long[]{c.kernel(), c.kernel(), shape[0], c.channels()},
                        fanIn, dtype, rng);
                SDVariable b = param(sd, params, c.output() + "/b", new long[]{c.channels()}, fanIn, dtype, rng);
                int pad = (c.kernel() - 1) / 2;
                Conv2DConfig cfg = Conv2DConfig.builder().kH(c.kernel()).kW(c.kernel()).sH(1).sW(1).pH(pad).pW(pad)
                        .dH(1).dW(1).paddingMode(PaddingMode.VALID).dataFormat("NCHW").build();
                h = StableMath.relu(sd, c.output(), sd.cnn().conv2d(h, w, b, cfg));
                shape = new long[]{c.channels(), shape[1] + 2L * pad - c.kernel() + 1, shape[2] + 2L * pad - c.kernel() + 1};
            } else if (layer instanceof ClassifierSpec.MaxPool p) {
                Pooling2DConfig cfg = Pooling2DConfig.builder().kH(p.size()).kW(p.size()).sH(p.size()).sW(p.size())
                        .pH(0).pW(0).dH(1).dW(1).isNHWC(false).build();
                h = sd.cnn().maxPooling2d(p.output(), h, cfg);
                shape = new long[]{shape[0], shape[1] / p.size(), shape[2] / p.size()};
            } else if (layer instanceof ClassifierSpec.Flatten f) {
                long n = 1;
                for (long d : shape) n *= d;
                h = sd.reshape(f.output(), h, -1, n);
                shape = new long[]{n};
            } else if (layer instanceof ClassifierSpec.Linear l) {
                if (shape.length != 1) throw new IllegalArgumentException(spec.name() + ": linear before flatten");
                SDVariable w = param(sd, params, l.output() + "/W", new long[]{shape[0], l.units()}, shape[0], dtype, rng);
                SDVariable b = param(sd, params, l.output() + "/b", new long[]{l.units()}, shape[0], dtype, rng);
                SDVariable z = h.mmul(w).add(b);
                h = l.relu() ? StableMath.relu(sd, l.output(), z) : sd.identity(l.output(), z);
                shape = new long[]{l.units()};
            } else if (layer instanceof ClassifierSpec.Dropout d) {
                SDVariable mask = sd.placeHolder(d.output() + "/mask", dtype, -1, shape.length == 1 ? shape[0] : -1);
                if (shape.length != 1) throw new IllegalArgumentException(spec.name() + ": dropout is supported after flatten");
                h = h.mul(d.output(), mask);
                dropouts.put(d.output(), shape[0]);
            }
            if (shape[shape.length - 1] < 1 || (shape.length == 3 && shape[1] < 1)) {
                throw new IllegalArgumentException(spec.name() + ": input " + channels + "x" + height + "x" + width
                        + " is too small for layer " + layer.output());
            }
            shapes.put(layer.output(), shape.clone());
        }
        SDVariable labels = sd.placeHolder(LABELS, dtype, -1, shape[0]);
        SDVariable logProbs = sd.nn().logSoftmax(h);
        labels.mul(logProbs).sum(1).neg().mean(LOSS);
        sd.setLossVariables(LOSS);
        return new ImageClassifierGraph(sd, spec, channels, height, width, dtype, shapes, params, dropouts);
    }

    private static SDVariable param(SameDiff sd, List<String> params, String name, long[] shape, long fanIn, DataType dtype,
                                    SplittableRandom rng) {
        double bound = 1.0 / Math.sqrt(fanIn);
        long n = 1;
        for (long d : shape) n *= d;
        double[] v = new double[(int) n];
        for (int i = 0; i < v.length; i++) v[i] = (rng.nextDouble() * 2 - 1) * bound;
        params.add(name);
        return sd.var(name, Nd4j.create(v, shape, 'c').castTo(dtype));
    }

    public SameDiff sameDiff() {
        return sd;
    }

    public ClassifierSpec spec() {
        return spec;
    }

    public DataType dataType() {
        return dtype;
    }


    /** Every layer's output name and its shape per example (without the batch axis), in graph order. */
    public Map<String, long[]> activationShapes() {
        return activationShapes;
    }

    /** Trainable variables, in graph order. */
    public List<String> parameters() {
        return parameters;
    }

    @Override
    public long parameterCount() {
        long n = 0;
        for (String p : parameters) n += sd.getArrForVarName(p).length();
        return n;
    }

    /**
     * Masks for every dropout layer: in training mode Bernoulli(1 - p) / (1 - p) per unit (inverted
     * dropout, as PyTorch), drawn from {@code rng}; in inference mode ones.
     */
    public Map<String, INDArray> dropoutMasks(int batch, boolean training, SplittableRandom rng) {
        Map<String, INDArray> masks = new LinkedHashMap<>();
        for (ClassifierSpec.Layer layer : spec.layers()) {
            if (layer instanceof ClassifierSpec.Dropout d) {
                int units = dropoutWidths.get(d.output()).intValue();
                double[] m = new double[batch * units];
                double keep = 1 - d.p();
                for (int i = 0; i < m.length; i++) {
                    m[i] = !training ? 1.0 : rng.nextDouble() < keep ? 1.0 / keep : 0.0;
                }
                masks.put(d.output() + "/mask", Nd4j.create(m, new long[]{batch, units}, 'c').castTo(dtype));
            }
        }
        return masks;
    }

    /** Named activations in inference mode (dropout off). */
    public Map<String, INDArray> activations(INDArray x, String... names) {
        return forward(x, false, names);
    }

    /**
     * Named activations; in training mode with dropout masks drawn from a generator seeded by the
     * batch size. Layer activations come from the direct step's forward-only pass (the graph's
     * values, without SameDiff's per-op cost); other graph variables from the graph.
     */
    @Override
    public Map<String, INDArray> forward(INDArray x, boolean training, String... names) {
        checkInput(x);
        boolean layersOnly = true;
        for (String n : names) {
            if (!sd.hasVariable(n)) {
                throw new IllegalArgumentException("No activation named '" + n + "' in " + describe()
                        + "; its activations: " + activationNames());
            }
            layersOnly &= activationShapes.containsKey(n);
        }
        Map<String, INDArray> feed = new LinkedHashMap<>(dropoutMasks((int) x.size(0), training,
                new SplittableRandom(x.size(0))));
        if (layersOnly) {
            return directTrainingStep().orElseThrow().forward(x.castTo(dtype), feed, names);
        }
        feed.put(INPUT, x.castTo(dtype));
        return sd.output(feed, names);
    }

    /** The direct step on this graph's arrays, made on first use. */
    @Override
    public synchronized Optional<ClassifierTrainingStep> directTrainingStep() {
        if (direct == null) direct = new ClassifierTrainingStep(this);
        return Optional.of(direct);
    }

    /** Fails with a message naming the expected shape, not an op error deep in the graph. */
    public void checkInput(INDArray x) {
        if (x.rank() != 4 || x.size(1) != channels || x.size(2) != height || x.size(3) != width) {
            throw new IllegalArgumentException(describe() + " expects images (batch, " + channels + ", " + height
                    + ", " + width + "), got " + java.util.Arrays.toString(x.shape()));
        }
    }

    @Override
    public String describe() {
        return spec.name() + " " + channels + "x" + height + "x" + width;
    }

    @Override
    public List<String> activationNames() {
        return List.copyOf(activationShapes.keySet());
    }

    @Override
    public long[] inputShape() {
        return new long[]{channels, height, width};
    }

    @Override
    public String taskLoss() {
        return LOSS;
    }

    @Override
    public String inputName() {
        return INPUT;
    }

    @Override
    public String labelsName() {
        return LABELS;
    }

    @Override
    public String logitsName() {
        return logits;
    }

    @Override
    public int classes() {
        return (int) activationShapes.get(logits)[0];
    }

    @Override
    public Map<String, INDArray> extraFeed(int batch, boolean training, SplittableRandom rng) {
        return dropoutMasks(batch, training, rng);
    }

    @Override
    public List<String> stateVariables() {
        return parameters;
    }

    @Override
    public Map<String, Object> describeSettings() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("model", spec.name());
        m.put("input", List.of(channels, height, width));
        m.put("classes", classes());
        m.put("params", parameterCount());
        return m;
    }

    @Override
    public List<String> trainableVariables() {
        return parameters;
    }
}

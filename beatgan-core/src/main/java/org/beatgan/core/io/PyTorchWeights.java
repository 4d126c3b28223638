package org.beatgan.core.io;

import org.beatgan.core.data.npy.Npy;
import org.beatgan.core.data.npy.NpyArray;
import org.beatgan.core.data.npy.NpyFormatException;
import org.beatgan.core.model.BatchNormStats;
import org.beatgan.core.model.BeatGanGraph;
import org.beatgan.core.model.BeatGanGraph.Network;
import org.beatgan.core.model.ParamSpec;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The one mapping between a PyTorch BeatGAN's {@code state_dict} and this toolkit's parameter
 * names and layouts, for weights exchanged as one {@code .npy} file per tensor, named
 * {@code <prefix><key>.npy} (e.g. {@code G.encoder.blocks.1.0.weight.npy}).
 *
 * <p>Layouts: PyTorch's Conv1d weight is (out, in, k), ours {@code [k, in, out]}; its
 * ConvTranspose1d weight is (in, out, k), ours {@code [1, k, out, in]} (deconv2d on a height-1
 * map); batch norm's {@code weight}/{@code bias} are our {@code gamma}/{@code beta}, and the
 * running mean and (unbiased) variance carry over as they are. {@code num_batches_tracked} has no
 * counterpart (BeatGAN's momentum is fixed) and is ignored.
 */
public final class PyTorchWeights {

    /** How the PyTorch module tree is named. */
    public enum Naming {
        /**
         * The independent PyTorch implementation of {@code shared/bench/torch-reference/beatgan.py}
         * (and its step trace): {@code encoder.blocks.{0..4}.{0,1}}, {@code encoder.last},
         * {@code decoder.main.N}; D {@code features.{0..4}.{0,1}}, {@code classifier.0}.
         */
        REFERENCE,
        /**
         * BeatGAN's own code ({@code experiments/ecg/network.py} and {@code model.py}): G
         * {@code encoder1.main.N} and {@code decoder.main.N}; D {@code features.N} and
         * {@code classifier.0}, the flat Sequential indices of its Encoder.
         */
        BEATGAN
    }

    private PyTorchWeights() {
    }

    /**
     * Our state name (parameters and running statistics) to the PyTorch key, for one network,
     * without a prefix: G's keys start with {@code encoder...}/{@code decoder...}, D's with
     * {@code features...}/{@code classifier...}.
     */
    public static Map<String, String> keys(Network net, Naming naming) {
        Map<String, String> keys = new LinkedHashMap<>();
        if (net == Network.G) {
            for (int k = 1; k <= 5; k++) {
                encoderKeys(keys, "G/enc", k, naming == Naming.REFERENCE ? "encoder.blocks." : "encoder1.main.", naming);
            }
            keys.put("G/enc/conv6/W", naming == Naming.REFERENCE ? "encoder.last.weight" : "encoder1.main.14.weight");
            // Decoder: [ConvT, BN, ReLU] x 5, ConvT, Tanh -- the same Sequential in both codes
            for (int k = 1; k <= 5; k++) {
                keys.put("G/dec/convT" + k + "/W", "decoder.main." + 3 * (k - 1) + ".weight");
                batchNormKeys(keys, "G/dec/bn" + k, "decoder.main." + (3 * (k - 1) + 1));
            }
            keys.put("G/dec/convT6/W", "decoder.main.15.weight");
        } else {
            for (int k = 1; k <= 5; k++) {
                encoderKeys(keys, "D", k, "features.", naming);
            }
            keys.put("D/conv6/W", "classifier.0.weight");
        }
        return keys;
    }

    /** Encoder block k (1..5): conv k, and batch norm k for k > 1. */
    private static void encoderKeys(Map<String, String> keys, String ours, int k, String torch, Naming naming) {
        if (naming == Naming.REFERENCE) {
            keys.put(ours + "/conv" + k + "/W", torch + (k - 1) + ".0.weight");
            if (k > 1) {
                batchNormKeys(keys, ours + "/bn" + k, torch + (k - 1) + ".1");
            }
        } else {
            // Sequential: conv, LReLU, then (conv, BN, LReLU) x 4: conv k sits at 3k - 4 for k > 1
            int conv = k == 1 ? 0 : 3 * k - 4;
            keys.put(ours + "/conv" + k + "/W", torch + conv + ".weight");
            if (k > 1) {
                batchNormKeys(keys, ours + "/bn" + k, torch + (conv + 1));
            }
        }
    }

    private static void batchNormKeys(Map<String, String> keys, String ours, String torch) {
        keys.put(ours + "/gamma", torch + ".weight");
        keys.put(ours + "/beta", torch + ".bias");
        keys.put(ours + "/running_mean", torch + ".running_mean");
        keys.put(ours + "/running_var", torch + ".running_var");
    }

    /**
     * Loads one network's parameters and running statistics from {@code dir/<prefix><key>.npy}
     * into {@code graph}, converting layouts; every tensor must be present with the shape the
     * graph's architecture implies, or nothing is changed and the message names the file.
     */
    public static void load(BeatGanGraph graph, Network net, Path dir, String prefix, Naming naming)
            throws IOException {
        Map<String, INDArray> converted = new LinkedHashMap<>();
        for (Map.Entry<String, String> e : keys(net, naming).entrySet()) {
            INDArray target = graph.array(e.getKey());
            Path file = dir.resolve(prefix + e.getValue() + ".npy");
            if (!Files.isRegularFile(file)) {
                throw new NoSuchFileException(file.toString(), null, "PyTorch tensor for " + e.getKey()
                        + " not found (" + naming + " naming, prefix '" + prefix + "')");
            }
            NpyArray npy;
            try {
                npy = Npy.read(file);
            } catch (NpyFormatException ex) {
                throw new IOException(file + ": " + ex.getMessage(), ex);
            }
            long[] torchShape = torchShape(target.shape());
            long[] actual = Arrays.stream(npy.shape()).asLongStream().toArray();
            if (!npy.isFloatingPoint() || !Arrays.equals(actual, torchShape)) {
                throw new IOException(file + ": expected a floating-point tensor of shape " + Arrays.toString(torchShape)
                        + " for " + e.getKey() + " of " + graph.config() + ", found " + npy.dtype() + " "
                        + Arrays.toString(actual));
            }
            INDArray torch = Nd4j.createFromArray(npy.asDoubles()).reshape(torchShape);
            converted.put(e.getKey(), fromTorch(torch, target.shape()).castTo(target.dataType()));
        }
        converted.forEach((name, value) -> graph.array(name).assign(value));
    }

    /** Writes one network as {@code dir/<prefix><key>.npy} in PyTorch's layouts ({@code float32} or {@code float64}). */
    public static void save(BeatGanGraph graph, Network net, Path dir, String prefix, Naming naming, DataType type)
            throws IOException {
        Files.createDirectories(dir);
        for (Map.Entry<String, String> e : keys(net, naming).entrySet()) {
            INDArray ours = graph.array(e.getKey());
            INDArray torch = toTorch(ours).dup('c');
            int[] shape = Arrays.stream(torch.shape()).mapToInt(Math::toIntExact).toArray();
            Path file = dir.resolve(prefix + e.getValue() + ".npy");
            Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
            if (type == DataType.DOUBLE) {
                Npy.writeFloat64(tmp, torch.castTo(DataType.DOUBLE).data().asDouble(), shape);
            } else if (type == DataType.FLOAT) {
                Npy.writeFloat32(tmp, torch.castTo(DataType.FLOAT).data().asFloat(), shape);
            } else {
                throw new IllegalArgumentException("PyTorch weights are written as FLOAT or DOUBLE, not " + type);
            }
            Files.move(tmp, file, java.nio.file.StandardCopyOption.REPLACE_EXISTING,
                    java.nio.file.StandardCopyOption.ATOMIC_MOVE);
        }
    }

    /** PyTorch's shape of a tensor whose shape here is {@code ours}. */
    static long[] torchShape(long[] ours) {
        return switch (ours.length) {
            case 1 -> ours.clone();
            case 3 -> new long[]{ours[2], ours[1], ours[0]};          // [k, in, out] -> (out, in, k)
            case 4 -> new long[]{ours[3], ours[2], ours[1]};          // [1, k, out, in] -> (in, out, k)
            default -> throw new IllegalArgumentException("No PyTorch layout for shape " + Arrays.toString(ours));
        };
    }

    static INDArray fromTorch(INDArray torch, long[] ours) {
        return switch (ours.length) {
            case 1 -> torch;
            case 3 -> torch.permute(2, 1, 0).dup('c');
            case 4 -> torch.permute(2, 1, 0).dup('c').reshape(ours);
            default -> throw new IllegalArgumentException("No PyTorch layout for shape " + Arrays.toString(ours));
        };
    }

    static INDArray toTorch(INDArray ours) {
        return switch (ours.rank()) {
            case 1 -> ours;
            case 3 -> ours.permute(2, 1, 0);
            case 4 -> ours.reshape(ours.size(1), ours.size(2), ours.size(3)).permute(2, 1, 0);
            default -> throw new IllegalArgumentException("No PyTorch layout for shape " + Arrays.toString(ours.shape()));
        };
    }

    /** True when {@code keys(net, naming)} covers exactly the network's parameters and running statistics. */
    static boolean coversGraph(BeatGanGraph graph, Network net, Naming naming) {
        java.util.Set<String> expected = new java.util.LinkedHashSet<>();
        for (ParamSpec p : graph.params(net)) expected.add(p.name());
        for (BatchNormStats bn : graph.batchNorms(net)) {
            expected.add(bn.runningMean());
            expected.add(bn.runningVar());
        }
        return expected.equals(keys(net, naming).keySet());
    }
}

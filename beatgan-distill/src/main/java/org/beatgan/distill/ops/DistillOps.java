package org.beatgan.distill.ops;

import org.beatgan.distill.Tensor;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.impl.controlflow.compat.StopGradient;
import org.nd4j.linalg.api.ops.impl.layers.convolution.config.Conv1DConfig;
import org.nd4j.linalg.api.ops.impl.layers.convolution.config.Conv2DConfig;
import org.nd4j.linalg.api.ops.impl.layers.convolution.config.PaddingMode;
import org.nd4j.linalg.factory.Nd4j;

import java.util.Arrays;
import java.util.Random;

/**
 * SameDiff building blocks shared by the losses, written from elementary ops with the reference
 * conventions (../shared/reference/distill/README.md). M2.1 caveats: built-in loss ops ignore the
 * upstream gradient and its log-softmax is unstable (and breaks gradients with an explicit axis),
 * so neither is used.
 */
public final class DistillOps {

    /** Floor of the L2 norm in {@link #l2NormalizeRows}, as F.normalize's eps. */
    public static final double NORM_EPS = 1e-12;

    /** Batch-norm eps (PyTorch's default), used by every connector in the reference. */
    public static final double BN_EPS = 1e-5;

    /**
     * Floor of a squared norm in {@link #normalizePlusEps}: below it the norm's derivative is 0 (the
     * reference convention at x = 0). sqrt(1e-30) = 1e-15 is negligible next to any eps added to the
     * norm, and 1e-30 is still a normal float32.
     */

    private DistillOps() {
    }

    /** A placeholder for batches of {@code example}'s shape with any batch size (axis 0 left open). */
    public static SDVariable batchPlaceholder(SameDiff sd, String name, DataType type, long[] example) {
        long[] shape = example.clone();
        shape[0] = -1;
        return sd.placeHolder(name, type, shape);
    }

    /**
     * log_softmax along axis 1 of (B, K) logits: z - m - log(sum exp(z - m)) with m the row max.
     * M2.1's own logSoftmax returns NaN for logits of size ~1e4 (real models reach 50-150 and
     * more), so it is written out. m is a stop-gradient constant: the value does not depend on
     * it, hence neither does the exact gradient.
     */
    public static SDVariable logSoftmax(SameDiff sd, SDVariable logits) {
        SDVariable m = new StopGradient(sd, logits.max(true, 1)).outputVariable();
        SDVariable shifted = logits.sub(m);
        return shifted.sub(sd.math().log(sd.math().exp(shifted).sum(true, 1)));
    }

    /**
     * Hinton's KD term: T^2 * mean_b KL(softmax(t_b/T) || softmax(s_b/T)) for (B, K) logits,
     * with both log-probabilities from log_softmax (finite for logits of any size).
     */
    public static SDVariable kdBatchMean(SameDiff sd, SDVariable s, SDVariable t, double temperature) {
        return klBatchMean(sd, s, t, temperature).mul(temperature * temperature);
    }

    /**
     * mean_b KL(softmax(t_b/T) || softmax(s_b/T)) for (B, K) logits, without Hinton's T^2 factor
     * (BSS, DML with T = 1). Gradients reach both arguments; wrap {@code t} in
     * {@link #stopGradient} where it is a constant.
     */
    public static SDVariable klBatchMean(SameDiff sd, SDVariable s, SDVariable t, double temperature) {
        SDVariable ls = logSoftmax(sd, s.div(temperature));
        SDVariable lt = logSoftmax(sd, t.div(temperature));
        SDVariable pt = sd.math().exp(lt);
        SDVariable perSample = pt.mul(lt.sub(ls)).sum(1);
        return perSample.mean();
    }

    /** mean((a - b)^2) over all elements. */
    public static SDVariable mse(SameDiff sd, SDVariable a, SDVariable b) {
        return sd.math().square(a.sub(b)).mean();
    }

    /** mean(|a - b|) over all elements; the derivative of |d| at 0 is 0. */
    public static SDVariable l1(SameDiff sd, SDVariable a, SDVariable b) {
        return sd.math().abs(a.sub(b)).mean();
    }

    /** (B, ...) -> (B, N) in row-major order. */
    public static SDVariable flatten(SameDiff sd, Tensor t) {
        return sd.reshape(t.var(), -1, t.perSample());
    }

    /**
     * Row-wise x / max(||x||, 1e-12). Written as x / sqrt(max(sum x^2, 1e-24)) so the value is the
     * same while the derivative of the norm at an all-zero row is 0 (sqrt'(0) would give NaN). The
     * division goes through {@link #safeDiv}, so the gradient is also right at batch 1.
     */
    public static SDVariable l2NormalizeRows(SameDiff sd, SDVariable x) {
        return l2Normalize(sd, x, 1);
    }

    /** {@link #l2NormalizeRows} along any axis: x / max(||x||, 1e-12) over {@code axis}, same derivative rule. */
    public static SDVariable l2Normalize(SameDiff sd, SDVariable x, int axis) {
        SDVariable sumSq = sd.math().square(x).sum(true, axis);
        SDVariable floor = sd.constant(Nd4j.scalar(x.dataType(), NORM_EPS * NORM_EPS));
        return safeDiv(sd, x, sd.math().sqrt(sd.math().max(sumSq, floor)));
    }

    /**
     * x / (||x|| + eps) along {@code axis} (PKT, AFD). ||x|| is sqrt(max(sum x^2, tiny)) with tiny far
     * below any representable effect on the value (1e-300 in double, 1e-36 in float), so an all-zero
     * vector maps to 0 with the norm's derivative taken as 0 (Jacobian I / eps) instead of NaN.
     */
    public static SDVariable normalizePlusEps(SameDiff sd, SDVariable x, int axis, double eps) {
        SDVariable sumSq = sd.math().square(x).sum(true, axis);
        double tiny = x.dataType() == DataType.DOUBLE ? 1e-300 : 1e-36;
        SDVariable norm = sd.math().sqrt(sd.math().max(sumSq, sd.constant(Nd4j.scalar(x.dataType(), tiny))));
        return safeDiv(sd, x, norm.add(eps));
    }

    /**
     * {@code loss + 0 * sum(v)} for trainable weights {@code v} the loss does not depend on (e.g. a
     * classifier's output bias in a loss of input gradients): their gradient is exactly 0, but
     * SameDiff reports no gradient at all for a variable off the loss's path, and trainers expect
     * one for every trainable variable. The value of the loss is unchanged.
     */
    public static SDVariable withZeroGradient(SameDiff sd, SDVariable loss, SDVariable... unused) {
        SDVariable out = loss;
        for (SDVariable v : unused) {
            out = out.add(v.sum().mul(0.0));
        }
        return out;
    }

    /** A value that no gradient flows through (masks, shift constants). */
    public static SDVariable stopGradient(SameDiff sd, SDVariable x) {
        return new StopGradient(sd, x).outputVariable();
    }

    /**
     * Batched a b^T: (M, D) x (N, D) -> (M, N), or (B, M, D) x (B, N, D) -> (B, M, N).
     */
    public static SDVariable gram(SameDiff sd, SDVariable a, SDVariable b) {
        return sd.mmul(a, b, false, true, false);
    }

    /**
     * (B, B) constant 1 - I for the batch of {@code rows} (B, D), built at run time so the batch
     * may be unknown when the graph is built. No gradient flows through it.
     */
    public static SDVariable offDiagonalMask(SameDiff sd, SDVariable rows) {
        SDVariable ones = stopGradient(sd, sd.onesLike(stopGradient(sd, rows).sum(1)));
        SDVariable eye = stopGradient(sd, sd.math().diag(ones));
        return stopGradient(sd, eye.rsub(1.0));
    }

    /**
     * Pairwise squared distances of the rows of x (B, D):
     * {@code max(|x_i|^2 + |x_j|^2 - 2 x_i.x_j, floor)}, (B, B), diagonal included (callers mask it).
     */
    public static SDVariable pairwiseSqDist(SameDiff sd, SDVariable x, double floor) {
        SDVariable sq = sd.math().square(x).sum(true, 1);
        SDVariable d = sq.add(sd.transpose(sq)).sub(gram(sd, x, x).mul(2.0));
        return sd.math().max(d, sd.constant(Nd4j.scalar(x.dataType(), floor)));
    }

    /**
     * Maximum over all elements, differentiable as in PyTorch's full reduction: the gradient is
     * shared evenly by the elements equal to the maximum (ties are common, e.g. in a symmetric
     * distance matrix). The tie mask is a constant.
     */
    public static SDVariable maxAll(SameDiff sd, SDVariable x) {
        SDVariable fixed = stopGradient(sd, x);
        SDVariable isMax = sd.gte(fixed.sub(fixed.max()), 0.0).castTo(x.dataType());
        SDVariable share = stopGradient(sd, isMax.div(isMax.sum()));
        return x.mul(share).sum();
    }

    /**
     * x / y for a denominator that broadcasts against x (a row norm, a sum, a maximum). Written as
     * x * (1 / y): in M2.1 the backprop of {@code div} is wrong whenever the denominator broadcasts
     * over all of x (rank 0, or a (B, 1) row norm at batch 1; measured against finite differences,
     * the value itself is right), while {@code mul} and {@code reciprocal} are fine.
     */
    public static SDVariable safeDiv(SameDiff sd, SDVariable x, SDVariable y) {
        return x.mul(sd.math().reciprocal(y));
    }

    /** A 0/1 mask of the same type as {@code like}, from a boolean variable; a constant. */
    public static SDVariable mask(SameDiff sd, SDVariable condition, SDVariable like) {
        return stopGradient(sd, condition.castTo(like.dataType()));
    }

    /**
     * smooth_l1(a, b) (beta 1): mean over all elements of 0.5 d^2 if |d| < 1, else |d| - 0.5, d = a - b;
     * the branch indicator is a constant.
     */
    public static SDVariable smoothL1(SameDiff sd, SDVariable a, SDVariable b) {
        SDVariable d = a.sub(b);
        SDVariable abs = sd.math().abs(d);
        SDVariable small = mask(sd, sd.lt(stopGradient(sd, abs), 1.0), d);
        SDVariable quad = sd.math().square(d).mul(0.5);
        SDVariable lin = abs.sub(0.5);
        return quad.mul(small).add(lin.mul(small.rsub(1.0))).mean();
    }

    /** Rows of a map (B, C, ...) as (B, C, positions). */
    public static SDVariable channelRows(SameDiff sd, Tensor f) {
        return sd.reshape(f.var(), -1, f.channels(), f.perSample() / f.channels());
    }

    /** Attention map of (B, C, ...): normalize(flat(mean_c f^p)), shape (B, spatial positions). */
    public static SDVariable attention(SameDiff sd, Tensor f, int p) {
        SDVariable powered = p == 2 ? sd.math().square(f.var()) : sd.math().pow(f.var(), p);
        SDVariable meanC = powered.mean(1);
        long positions = f.perSample() / f.channels();
        return l2NormalizeRows(sd, sd.reshape(meanC, -1, positions));
    }

    /**
     * Adaptive average pooling of every spatial axis of a (B, C, ...) map to {@code target}, as a
     * product with constant pooling matrices (bins may overlap when sizes do not divide), so the
     * gradient flows through it.
     */
    public static Tensor adaptivePool(SameDiff sd, Tensor f, long[] target) {
        long[] spatial = f.spatial();
        if (spatial.length != target.length) {
            throw new IllegalArgumentException("Cannot pool " + f.describe() + " to spatial shape "
                    + Arrays.toString(target) + ": different number of spatial axes");
        }
        for (int i = 0; i < spatial.length; i++) {
            if (target[i] > spatial[i]) {
                throw new IllegalArgumentException("Cannot pool " + f.describe() + " to spatial shape "
                        + Arrays.toString(target) + ": pooling only shrinks an axis");
            }
        }
        if (Arrays.equals(spatial, target)) {
            return f;
        }
        DataType dt = f.var().dataType();
        long c = f.channels();
        if (spatial.length == 1) {
            SDVariable rows = sd.reshape(f.var(), -1, spatial[0]);
            SDVariable pooled = rows.mmul(sd.constant(poolMatrix(spatial[0], target[0], dt)));
            return new Tensor(sd.reshape(pooled, -1, c, target[0]), new long[]{f.shape()[0], c, target[0]});
        }
        if (spatial.length == 2) {
            long h = spatial[0], w = spatial[1], oh = target[0], ow = target[1];
            SDVariable byW = sd.reshape(f.var(), -1, w).mmul(sd.constant(poolMatrix(w, ow, dt)));
            SDVariable hLast = sd.permute(sd.reshape(byW, -1, c, h, ow), 0, 1, 3, 2);
            SDVariable byH = sd.reshape(hLast, -1, h).mmul(sd.constant(poolMatrix(h, oh, dt)));
            SDVariable out = sd.permute(sd.reshape(byH, -1, c, ow, oh), 0, 1, 3, 2);
            return new Tensor(out, new long[]{f.shape()[0], c, oh, ow});
        }
        throw new IllegalArgumentException("Adaptive pooling supports 1-D and 2-D maps, got " + f.describe());
    }

    /** (n, o) matrix whose column i averages input positions floor(i*n/o) .. ceil((i+1)*n/o)-1. */
    public static INDArray poolMatrix(long n, long o, DataType dt) {
        double[][] m = new double[(int) n][(int) o];
        for (int i = 0; i < o; i++) {
            long start = Math.floorDiv(i * n, o);
            long end = -Math.floorDiv(-(i + 1) * n, o);
            for (long j = start; j < end; j++) {
                m[(int) j][i] = 1.0 / (end - start);
            }
        }
        return Nd4j.create(m).castTo(dt);
    }

    /** Positions of a spatial shape. */
    public static long positions(long[] spatial) {
        long n = 1;
        for (long s : spatial) n *= s;
        return n;
    }

    /**
     * A 0/1 indicator of a boolean condition (e.g. {@code sd.gt(s, -m)}) as a constant of type
     * {@code dt}: no gradient flows through it, as the reference's indicator masks.
     */
    public static SDVariable indicator(SameDiff sd, SDVariable condition, DataType dt) {
        return stopGradient(sd, condition.castTo(dt));
    }

    /** Overflow-free log(1 + exp(a)); see {@link org.beatgan.core.model.StableMath#softplus}. */
    public static SDVariable softplus(SameDiff sd, SDVariable a) {
        return org.beatgan.core.model.StableMath.softplus(sd, a);
    }

    /** Fully connected layer with the reference layout: x (B, in), W (out, in), b (out) -> x W^T + b. */
    public static SDVariable linear(SameDiff sd, SDVariable x, SDVariable w, SDVariable b) {
        SDVariable y = sd.mmul(x, sd.transpose(w));
        return b == null ? y : y.add(b);
    }

    /** Reference layout of a convolution weight: (C_out, C_in, k) for 1-D, (C_out, C_in, k, k) for 2-D. */
    public static long[] convWeightShape(long cOut, long cIn, int kernel, int spatialDims) {
        if (spatialDims == 1) {
            return new long[]{cOut, cIn, kernel};
        }
        if (spatialDims == 2) {
            return new long[]{cOut, cIn, kernel, kernel};
        }
        throw new IllegalArgumentException("Convolutions support 1-D and 2-D maps, got " + spatialDims
                + " spatial axes");
    }

    /**
     * Stride-1 cross-correlation of a (B, C_in, L) or (B, C_in, H, W) map with a weight in the
     * reference layout (C_out, C_in, k[, k]), zero padding (k-1)/2 on both ends of every spatial
     * axis (odd k keeps the spatial size), optional bias (C_out). The weight is permuted to
     * SameDiff's conv1d [k, C_in, C_out] / conv2d [kH, kW, C_in, C_out] layouts.
     */
    public static SDVariable conv(SameDiff sd, SDVariable x, int spatialDims, SDVariable w, SDVariable b,
                                  int kernel) {
        if (kernel % 2 == 0) {
            throw new IllegalArgumentException("kernel size " + kernel + ": expected an odd size (padding (k-1)/2 "
                    + "keeps the spatial size)");
        }
        int pad = (kernel - 1) / 2;
        if (spatialDims == 1) {
            Conv1DConfig cfg = Conv1DConfig.builder().k(kernel).s(1).p(pad).d(1)
                    .paddingMode(PaddingMode.VALID).dataFormat("NCW").build();
            SDVariable wk = sd.permute(w, 2, 1, 0);
            return b == null ? sd.cnn().conv1d(x, wk, cfg) : sd.cnn().conv1d(x, wk, b, cfg);
        }
        if (spatialDims == 2) {
            Conv2DConfig cfg = Conv2DConfig.builder().kH(kernel).kW(kernel).sH(1).sW(1).pH(pad).pW(pad)
                    .dH(1).dW(1).paddingMode(PaddingMode.VALID).dataFormat("NCHW").build();
            SDVariable wk = sd.permute(w, 2, 3, 1, 0);
            return b == null ? sd.cnn().conv2d(x, wk, cfg) : sd.cnn().conv2d(x, wk, b, cfg);
        }
        throw new IllegalArgumentException("Convolutions support 1-D and 2-D maps, got " + spatialDims
                + " spatial axes");
    }

    /**
     * The adjoint (transposed convolution) of {@link #conv} without bias: for {@code y = conv(x; w)},
     * {@code convInputGrad(dy; w) = d(sum(dy * y)) / dx}, the input gradient of the convolution, as
     * an ordinary op of the graph. With stride 1 and padding (k-1)/2 the adjoint is again a stride-1
     * "same" cross-correlation, with the kernel flipped along every spatial axis and its channel
     * axes swapped: {@code w'[c, o, j] = w[o, c, k-1-j]}. Since it is built from conv, reverse and
     * permute, SameDiff can differentiate it (with respect to {@code dy} and {@code w}); this is
     * how a loss can contain an input gradient and still be trained (double backpropagation,
     * which M2.1 cannot do by differentiating its own backprop ops).
     */
    public static SDVariable convInputGrad(SameDiff sd, SDVariable dy, int spatialDims, SDVariable w, int kernel) {
        SDVariable flipped;
        if (spatialDims == 1) {
            flipped = sd.permute(sd.reverse(w, 2), 1, 0, 2);
        } else if (spatialDims == 2) {
            flipped = sd.permute(sd.reverse(w, 2, 3), 1, 0, 2, 3);
        } else {
            throw new IllegalArgumentException("Convolutions support 1-D and 2-D maps, got " + spatialDims
                    + " spatial axes");
        }
        return conv(sd, dy, spatialDims, flipped, null, kernel);
    }

    /**
     * Batch norm in training mode on a (B, C, ...) map, from elementary ops (M2.1's batchNorm op
     * has no working gradient): per channel, mean and biased variance over the batch and every
     * spatial position, {@code gamma * (x - mean) / sqrt(var + eps) + beta}, gradients through the
     * batch statistics. gamma and beta have shape (C). var + eps >= eps, so all-constant channels
     * (dead activations) stay finite.
     */
    public static SDVariable batchNormTrain(SameDiff sd, SDVariable x, int rank, SDVariable gamma, SDVariable beta,
                                            double eps) {
        if (rank < 3) {
            throw new IllegalArgumentException("batch norm needs a (B, C, ...) map, got rank " + rank);
        }
        int[] axes = new int[rank - 1];
        axes[0] = 0;
        for (int i = 2; i < rank; i++) axes[i - 1] = i;
        long[] channelShape = new long[rank];
        Arrays.fill(channelShape, 1);
        channelShape[1] = -1;
        SDVariable centred = x.sub(x.mean(true, axes));
        SDVariable var = sd.math().square(centred).mean(true, axes);
        SDVariable normed = centred.div(sd.math().sqrt(var.add(eps)));
        return normed.mul(sd.reshape(gamma, channelShape)).add(sd.reshape(beta, channelShape));
    }

    /** PyTorch's default init of conv/linear weights and biases: uniform in [-bound, bound], seeded. */
    public static INDArray uniform(long[] shape, double bound, DataType dt, long seed) {
        Random r = new Random(seed);
        long n = 1;
        for (long d : shape) n *= d;
        double[] v = new double[Math.toIntExact(n)];
        for (int i = 0; i < v.length; i++) v[i] = (2 * r.nextDouble() - 1) * bound;
        return Nd4j.create(v, shape, DataType.DOUBLE).castTo(dt);
    }

    /** Fan-in of a weight in the reference layout (C_out, C_in, ...): C_in times the kernel size. */
    public static long fanIn(long[] weightShape) {
        long n = 1;
        for (int i = 1; i < weightShape.length; i++) n *= weightShape[i];
        return n;
    }

    /**
     * PyTorch's default init of a conv/linear weight or bias: uniform +-1/sqrt(fan_in), with fan_in
     * that of the layer's weight (see {@link #fanIn}).
     */
    public static INDArray torchDefault(long[] shape, long fanIn, DataType dt, long seed) {
        return uniform(shape, 1 / Math.sqrt(fanIn), dt, seed);
    }
}

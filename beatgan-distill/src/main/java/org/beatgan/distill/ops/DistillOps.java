package org.beatgan.distill.ops;

import org.beatgan.distill.Tensor;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.impl.controlflow.compat.StopGradient;
import org.nd4j.linalg.factory.Nd4j;

import java.util.Arrays;

/**
 * SameDiff building blocks shared by the losses, written from elementary ops with the reference
 * conventions (../shared/reference/distill/README.md). M2.1 caveats: built-in loss ops ignore the
 * upstream gradient and its log-softmax is unstable (and breaks gradients with an explicit axis),
 * so neither is used.
 */
public final class DistillOps {

    /** Floor of the L2 norm in {@link #l2NormalizeRows}, as F.normalize's eps. */
    public static final double NORM_EPS = 1e-12;

    private DistillOps() {
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
        SDVariable ls = logSoftmax(sd, s.div(temperature));
        SDVariable lt = logSoftmax(sd, t.div(temperature));
        SDVariable pt = sd.math().exp(lt);
        SDVariable perSample = pt.mul(lt.sub(ls)).sum(1);
        return perSample.mean().mul(temperature * temperature);
    }

    /** mean((a - b)^2) over all elements. */
    public static SDVariable mse(SameDiff sd, SDVariable a, SDVariable b) {
        return sd.math().square(a.sub(b)).mean();
    }

    /** (B, ...) -> (B, N) in row-major order. */
    public static SDVariable flatten(SameDiff sd, Tensor t) {
        return sd.reshape(t.var(), -1, t.perSample());
    }

    /**
     * Row-wise x / max(||x||, 1e-12). Written as x / sqrt(max(sum x^2, 1e-24)) so the value is the
     * same while the derivative of the norm at an all-zero row is 0 (sqrt'(0) would give NaN).
     */
    public static SDVariable l2NormalizeRows(SameDiff sd, SDVariable x) {
        SDVariable sumSq = sd.math().square(x).sum(true, 1);
        SDVariable floor = sd.constant(Nd4j.scalar(x.dataType(), NORM_EPS * NORM_EPS));
        return x.div(sd.math().sqrt(sd.math().max(sumSq, floor)));
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
}

package org.beatgan.distill.loss;

import org.beatgan.distill.LossInputs;
import org.beatgan.distill.Tensor;
import org.beatgan.distill.ops.DistillOps;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.factory.Nd4j;

import java.util.Arrays;

/**
 * The 1x1-conv + batch-norm connector of AB and OFD: {@code BN(conv1x1(s))} mapping the student's
 * channels to the teacher's, with adapters {@code connector.conv.W} (Ct, Cs, 1[, 1]) (no bias,
 * PyTorch's default init), {@code connector.bn.gamma} (ones) and {@code connector.bn.beta} (zeros).
 * The batch norm always uses the batch statistics (training mode), as in the reference.
 */
final class Connector {

    private Connector() {
    }

    static SDVariable convBn(LossInputs in, Tensor s, long teacherChannels, double bnEps) {
        int dims = s.spatial().length;
        DataType dt = s.var().dataType();
        long[] wShape = DistillOps.convWeightShape(teacherChannels, s.channels(), 1, dims);
        SDVariable w = in.adapter("connector.conv.W", DistillOps.torchDefault(wShape, DistillOps.fanIn(wShape), dt, 11));
        SDVariable gamma = in.adapter("connector.bn.gamma", Nd4j.ones(dt, teacherChannels));
        SDVariable beta = in.adapter("connector.bn.beta", Nd4j.zeros(dt, teacherChannels));
        SDVariable conv = DistillOps.conv(in.sd(), s.var(), dims, w, null, 1);
        return DistillOps.batchNormTrain(in.sd(), conv, s.rank(), gamma, beta, bnEps);
    }

    /** Same batch size and spatial shape, or a clear error naming the method. */
    static void requireSameSpatial(String id, Tensor s, Tensor t) {
        if (s.rank() < 3 || s.rank() > 4 || !Arrays.equals(s.spatial(), t.spatial())) {
            throw new IllegalArgumentException(id + ": student " + s.describe() + " and teacher " + t.describe()
                    + " must be 1-D or 2-D maps (B, C, ...) with the same spatial shape");
        }
    }
}

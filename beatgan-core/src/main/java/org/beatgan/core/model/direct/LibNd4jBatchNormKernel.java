package org.beatgan.core.model.direct;

import org.nd4j.linalg.api.ops.DynamicCustomOp;
import org.nd4j.linalg.factory.Nd4j;

/**
 * libnd4j's {@code moments}, {@code batchnorm} and {@code batchnorm_bp}: the kernels BeatGAN's
 * graph runs, for any floating-point type.
 */
final class LibNd4jBatchNormKernel implements BatchNormKernel {

    @Override
    public String name() {
        return "moments+batchnorm";
    }

    @Override
    public Bound bind(Arrays a) {
        DynamicCustomOp moments = DynamicCustomOp.builder("moments").addInputs(a.x())
                .addOutputs(a.mean(), a.var()).addIntegerArguments(0, 2).build();
        // integer arguments: apply scale, apply offset, channel axis 1
        DynamicCustomOp norm = DynamicCustomOp.builder("batchnorm")
                .addInputs(a.x(), a.mean(), a.var(), a.gamma(), a.beta()).addOutputs(a.y())
                .addIntegerArguments(1, 1, 1).addFloatingPointArguments(EPS).build();
        DynamicCustomOp bp = DynamicCustomOp.builder("batchnorm_bp")
                .addInputs(a.x(), a.mean(), a.var(), a.gamma(), a.beta(), a.dy())
                .addOutputs(a.dx(), a.mean().like(), a.var().like(), a.dGamma(), a.dBeta())
                .addIntegerArguments(1, 1, 1).addFloatingPointArguments(EPS).build();
        return new Bound(() -> {
            Nd4j.exec(moments);
            Nd4j.exec(norm);
        }, () -> Nd4j.exec(bp));
    }
}

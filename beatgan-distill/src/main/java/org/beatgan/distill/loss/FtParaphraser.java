package org.beatgan.distill.loss;

import org.beatgan.core.train.AdamOptimizer;
import org.beatgan.core.util.QuietStdout;
import org.beatgan.distill.Pretraining;
import org.beatgan.distill.Tensor;
import org.beatgan.distill.ops.DistillOps;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * FT's paraphraser as the auto-encoder the paper pre-trains on the teacher's feature map: FT's
 * encoder ({@code C -> C -> F -> F}) and a decoder of the same shape back ({@code F -> F -> C -> C},
 * convolutions kernel 3, pad 1, leaky_relu after each, as RepDistiller's Paraphraser without batch
 * norm; a stride-1 "same" transposed convolution is a convolution, so plain convolutions are used),
 * trained on {@code mse(decoder(encoder(t)), t)} with Adam in a graph of its own. The encoder starts
 * from the student graph's frozen paraphraser values; after training they are overwritten with the
 * trained encoder, which then stays frozen while the student trains.
 */
public final class FtParaphraser implements Pretraining {

    private static final Logger LOG = LoggerFactory.getLogger(FtParaphraser.class);
    private static final String INPUT = "teacher_feat";

    private final Map<String, SDVariable> frozen;
    private final int epochs;
    private final SameDiff sd = SameDiff.create();
    private final String loss;
    private final AdamOptimizer optimizer;

    FtParaphraser(FtLoss ft, Tensor teacher, long factors, Map<String, SDVariable> frozen, int epochs, double lr) {
        this.frozen = Map.copyOf(frozen);
        this.epochs = epochs;
        long c = teacher.channels();
        int dims = teacher.spatial().length;
        SDVariable t = DistillOps.batchPlaceholder(sd, INPUT, teacher.var().dataType(), teacher.shape());
        List<String> vars = new ArrayList<>();
        SDVariable code = ft.convStack(sd, t, dims, new long[][]{{c, c}, {factors, c}, {factors, factors}},
                "paraphraser", 0, (n, init) -> {
                    SDVariable start = frozen.get(n);
                    if (start == null) {
                        throw new IllegalStateException("ft: no frozen paraphraser weight '" + n + "' in the student graph");
                    }
                    vars.add(n);
                    return sd.var(n, start.getArr().dup());
                });
        SDVariable rec = ft.convStack(sd, code, dims, new long[][]{{factors, factors}, {c, factors}, {c, c}},
                "decoder", 70, (n, init) -> {
                    vars.add(n);
                    return sd.var(n, init);
                });
        this.loss = DistillOps.mse(sd, rec, t).rename("reconstruction_mse").name();
        sd.setLossVariables(loss);
        QuietStdout.run(sd::createGradFunction);   // M2.1 prints a line per op while building it
        this.optimizer = new AdamOptimizer(sd, vars, lr, 0.9, 0.999);
    }

    /** Mean squared reconstruction error of teacher features (B, C, ...) with the current weights. */
    public double reconstructionError(INDArray teacherFeatures) {
        return sd.output(feed(teacherFeatures), loss).get(loss).getDouble(0);
    }

    /** The encoder's current weights by name (paraphraser.conv{1,2,3}.{W,b}). */
    public Map<String, INDArray> encoderWeights() {
        Map<String, INDArray> out = new HashMap<>();
        frozen.keySet().forEach(n -> out.put(n, sd.getArrForVarName(n)));
        return out;
    }

    @Override
    public void run(TeacherPass pass) {
        for (int e = 0; e < epochs; e++) {
            int epoch = e;
            double[] sum = new double[2];
            pass.forEachBatch(batch -> {
                INDArray t = batch.get("feat").get(0);
                var out = sd.calculateGradientsAndOutputs(feed(t), List.of(loss), optimizer.variables());
                optimizer.step(out.getGradients(), epoch);
                sum[0] += out.getOutputs().get(loss).getDouble(0);
                sum[1]++;
            });
            LOG.info("ft paraphraser pre-training epoch {}/{}: reconstruction mse {}", e + 1, epochs, sum[0] / sum[1]);
        }
        frozen.forEach((n, v) -> v.getArr().assign(sd.getArrForVarName(n)));
    }

    private Map<String, INDArray> feed(INDArray t) {
        Map<String, INDArray> f = new HashMap<>();
        f.put(INPUT, t.castTo(sd.getVariable(INPUT).dataType()));
        return f;
    }
}

package org.beatgan.distill.loss;

import org.beatgan.distill.DistillationLoss;
import org.beatgan.distill.LossInputs;
import org.beatgan.distill.LossParams;
import org.beatgan.distill.Tensor;
import org.beatgan.distill.ops.DistillOps;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;

import java.util.List;
import java.util.Set;

/**
 * Activation boundaries ({@code ab}, Heo et al. 2019), role "feat" (pre-activation maps). The
 * student should put each neuron on the same side of zero as the teacher, with a margin m:
 * {@code mean((s + m)^2 [s > -m, t <= 0] + (s - m)^2 [s <= m, t > 0])}, indicator masks as
 * constants. A squared hinge instead of a plain MSE because only the activation boundary
 * (on/off) of the teacher is transferred, not its magnitudes. With {@code connector} (default
 * true, as in the paper, needed when channel counts differ) the student map first goes through
 * a 1x1 conv + batch norm (training mode); see {@link Connector}.
 */
public final class AbLoss implements DistillationLoss {

    private final double margin;
    private final boolean connector;
    private final double bnEps;

    public AbLoss(LossParams params) {
        params.allowOnly(Set.of("margin", "connector", "bn_eps"));
        this.margin = params.positive("margin", 1.0);
        this.connector = params.bool("connector", true);
        this.bnEps = params.positive("bn_eps", DistillOps.BN_EPS);
    }


    @Override
    public List<String> roles() {
        return List.of("feat");
    }

    @Override
    public SDVariable build(LossInputs in) {
        SameDiff sd = in.sd();
        Tensor st = in.studentOne("feat");
        Tensor t = in.teacherOne("feat");
        Connector.requireSameSpatial("ab", st, t);
        SDVariable s;
        if (connector) {
            s = Connector.convBn(in, st, t.channels(), bnEps);
        } else {
            if (st.channels() != t.channels()) {
                throw new IllegalArgumentException("ab: without a connector the student " + st.describe()
                        + " needs the teacher's channel count " + t.describe() + "; set connector = true");
            }
            s = st.var();
        }
        DataType dt = s.dataType();
        SDVariable teacherOff = DistillOps.indicator(sd, t.var().lte(0.0), dt);
        SDVariable teacherOn = DistillOps.indicator(sd, t.var().gt(0.0), dt);
        SDVariable push = DistillOps.indicator(sd, s.gt(-margin), dt).mul(teacherOff);
        SDVariable pull = DistillOps.indicator(sd, s.lte(margin), dt).mul(teacherOn);
        SDVariable lossOff = sd.math().square(s.add(margin)).mul(push);
        SDVariable lossOn = sd.math().square(s.sub(margin)).mul(pull);
        return lossOff.add(lossOn).mean();
    }
}

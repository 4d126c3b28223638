package org.beatgan.core.model;

import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;

/** Numerically safe SameDiff expressions where M2.1's own ops overflow. */
public final class StableMath {

    private StableMath() {
    }

    /**
     * log(1 + exp(a)) without overflow, written as relu(a) + log(1 + exp(a - 2 relu(a))) (the
     * exponent is -|a|). Its derivative is sigmoid(a) everywhere, including a = 0 whatever relu'(0)
     * is. M2.1's softplus op computes log(1 + exp(a)) directly and returns infinity from a ~ 89 in
     * float32, which would turn a confident discriminator's BCE into an infinite loss.
     */
    public static SDVariable softplus(SameDiff sd, SDVariable a) {
        SDVariable r = sd.nn().relu(a, 0);
        SDVariable negAbs = a.sub(r.mul(2));
        return r.add(sd.math().log(sd.math().exp(negAbs).add(1.0)));
    }
}

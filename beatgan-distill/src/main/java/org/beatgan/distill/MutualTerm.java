package org.beatgan.distill;

import org.beatgan.core.model.BeatGanGraph;
import org.beatgan.core.train.Batch;
import org.beatgan.core.train.LossExtension;
import org.beatgan.distill.loss.DmlLoss;
import org.beatgan.distill.ops.DistillOps;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * One peer's side of deep mutual learning: adds, for every other peer, the {@code dml} term
 * {@code KL(softmax(peer logits) || softmax(own logits))} (batch mean, {@link DmlLoss#lossNet1})
 * to this peer's generator loss, weighted by {@code weight / (peers - 1)}.
 *
 * <p>The other peers' logits enter this peer's graph as placeholders {@code peer/<name>/<activation>},
 * computed by a forward pass of each peer when the batch is fed, i.e. with the peer's parameters
 * as they are at that moment: a peer updated earlier on the same batch contributes its updated
 * prediction, as in DML's alternating updates. Nothing in this graph reaches a peer's weights, so
 * a peer never receives gradient from this term. Peers run in TRAINING mode (batch statistics):
 * their prediction is then the one their own loss sees in their own step, as in DML, where both
 * networks are in train mode; running statistics would lag far behind early in training.
 */
public final class MutualTerm implements LossExtension {

    public static final String PEER_PREFIX = "peer/";
    public static final String TERM_PREFIX = "mutual/";

    private final String activation;
    private final Map<String, BeatGanGraph> peers;
    private final Map<String, String> placeholders = new LinkedHashMap<>();
    private final Map<String, String> logged = new LinkedHashMap<>();

    /**
     * @param self  this peer's graph (the terms are added to it)
     * @param peers the other peers by name, e.g. "peer-2"
     */
    public MutualTerm(BeatGanGraph self, Map<String, BeatGanGraph> peers, MutualConfig cfg) {
        if (peers.isEmpty()) {
            throw new IllegalArgumentException("Mutual learning needs at least one other peer");
        }
        org.beatgan.core.model.DistillableModel.Logits logits = self.logits(cfg.logits());
        this.activation = logits.activation();
        this.peers = Map.copyOf(peers);
        SameDiff sd = self.sameDiff();
        long[] shape = Distiller.probeShapes(self, Set.of(activation), "student").get(activation);
        Tensor own = LogitSources.apply(sd, Tap.LOGITS, logits.form(), sd.getVariable(activation), shape);
        double weight = cfg.weight() / peers.size();
        peers.forEach((name, peer) -> {
            if (peer.config().nc() != self.config().nc()) {
                throw new IllegalArgumentException("Peer " + name + " reads nc=" + peer.config().nc()
                        + " leads, this peer nc=" + self.config().nc() + "; peers must read the same beats");
            }
            long[] peerShape = Distiller.probeShapes(peer, Set.of(activation), "student").get(activation);
            if (!Arrays.equals(Arrays.copyOfRange(peerShape, 1, peerShape.length),
                    Arrays.copyOfRange(shape, 1, shape.length))) {
                throw new IllegalArgumentException("Mutual logits '" + cfg.logits() + "' (" + activation + ") have shape "
                        + Arrays.toString(peerShape) + " in " + name + " and " + Arrays.toString(shape)
                        + " here; peers must produce logits of the same shape");
            }
            String placeholderName = PEER_PREFIX + name + "/" + activation;
            SDVariable ph = DistillOps.batchPlaceholder(sd, placeholderName, self.dataType(), shape);
            Tensor theirs = LogitSources.apply(sd, Tap.LOGITS, logits.form(), ph, shape);
            placeholders.put(name, placeholderName);
            DmlLoss dml = new DmlLoss(LossParams.empty("dml"));
            dml.build(inputs(sd, own, theirs));
            // loss_net1 only: this peer's own part; the peer's part is that peer's own business
            TermBuilder.addWeighted(sd, TERM_PREFIX + name + "/", dml.lossNet1(), weight, "dml_" + name,
                    logged);
        });
    }

    /** DmlLoss's view: logits_1 = this peer's (trainable), logits_2 = the other peer's (a placeholder). */
    private static LossInputs inputs(SameDiff sd, Tensor own, Tensor theirs) {
        return new LossInputs() {
            public SameDiff sd() {
                return sd;
            }

            public List<Tensor> student(String role) {
                return switch (role) {
                    case "logits_1" -> List.of(own);
                    case "logits_2" -> List.of(theirs);
                    default -> throw new IllegalArgumentException("dml reads logits_1 and logits_2, not " + role);
                };
            }

            public List<Tensor> teacher(String role) {
                throw new IllegalArgumentException("Mutual learning has no teacher (role " + role + ")");
            }

            public SDVariable adapter(String name, INDArray init) {
                throw new IllegalArgumentException("dml owns no adapters (asked for " + name + ")");
            }
        };
    }

    /** The graph activation that serves as logits. */
    public String activation() {
        return activation;
    }

    @Override
    public Map<String, INDArray> feed(Batch batch) {
        Map<String, INDArray> out = new LinkedHashMap<>();
        placeholders.forEach((name, ph) -> out.put(ph,
                peers.get(name).forward(batch.x(), true, activation).get(activation)));
        return out;
    }

    @Override
    public List<String> trainableVariables() {
        return List.of();
    }

    @Override
    public Map<String, String> loggedTerms() {
        return Map.copyOf(logged);
    }
}

package org.beatgan.core.data.ecg;

import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Beat classes of the AAMI EC57 recommendation as BeatGAN groups the MIT-BIH beat symbols, plus
 * {@link #ABNORMAL} for anomalies whose AAMI class is unknown.
 *
 * <p>{@code ABNORMAL} exists because some inputs (BeatGAN's demo arrays, binary-labelled CSV files)
 * only say "normal" or "not normal". Folding those into one of S/V/F/Q would invent a label, and a
 * separate boolean would let the two labels disagree; a sixth value keeps one source of truth while
 * {@link #isAnomaly()} still answers the only question the detector asks.
 */
public enum AamiClass {
    /** Normal and bundle-branch-block beats: N, L, R. */
    N,
    /** Supraventricular ectopic beats: a, J, A, S, j, e. */
    S,
    /** Ventricular ectopic beats: V, E. */
    V,
    /** Fusion of ventricular and normal beat: F. */
    F,
    /** Paced, fusion of paced and normal, and unclassifiable beats: /, f, Q. */
    Q,
    /** An anomalous beat of unknown AAMI class. */
    ABNORMAL;

    private static final Map<String, AamiClass> BY_SYMBOL = Map.ofEntries(
            Map.entry("N", N), Map.entry("L", N), Map.entry("R", N),
            Map.entry("a", S), Map.entry("J", S), Map.entry("A", S), Map.entry("S", S), Map.entry("j", S),
            Map.entry("e", S),
            Map.entry("V", V), Map.entry("E", V),
            Map.entry("F", F),
            Map.entry("/", Q), Map.entry("f", Q), Map.entry("Q", Q));

    /** The five AAMI classes, without {@link #ABNORMAL}, in report order. */
    public static final List<AamiClass> AAMI = List.of(N, S, V, F, Q);

    /** Everything but normal beats counts as an anomaly. */
    public boolean isAnomaly() {
        return this != N;
    }

    /**
     * AAMI class of a WFDB beat symbol; empty for symbols that are not beats (rhythm changes, noise,
     * comments, ...), which BeatGAN ignores.
     */
    public static Optional<AamiClass> fromSymbol(String symbol) {
        return Optional.ofNullable(BY_SYMBOL.get(symbol));
    }
}

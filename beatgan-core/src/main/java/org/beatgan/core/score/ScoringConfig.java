package org.beatgan.core.score;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonValue;

import java.util.Arrays;

/**
 * How validation and test beats are scored (config section {@code scoring}).
 *
 * <ul>
 *   <li>{@code eval} (the default): the generator in inference mode, batch norm on its running
 *       statistics; a beat's score does not depend on the other beats scored with it. This is how a
 *       deployed detector scores one beat at a time.</li>
 *   <li>{@code batch-stats}: BeatGAN's own protocol. Its {@code validate()}/{@code predict()}
 *       never switch G to eval mode, so validation beats are scored with the batch statistics of
 *       shuffled batches ({@code DataLoader(shuffle=True)}); every beat's score then depends on
 *       the beats batched with it. Here: the beats in a seeded random order, batches of
 *       {@code batchSize} (the last one partial, as {@code drop_last=False}), scores returned in the
 *       original order, running statistics untouched (BeatGAN's train-mode validation also moves
 *       them, which only matters for later eval-mode use).</li>
 * </ul>
 *
 * @param batchSize batch size of batch-stats scoring (BeatGAN: the training batch size, 64)
 * @param seed      seed of the batch-stats order
 */
public record ScoringConfig(Mode mode, int batchSize, long seed) {

    public enum Mode {
        EVAL("eval"), BATCH_STATS("batch-stats");

        private final String id;

        Mode(String id) {
            this.id = id;
        }

        @JsonValue
        public String id() {
            return id;
        }

        @JsonCreator
        public static Mode of(String id) {
            for (Mode m : values()) {
                if (m.id.equalsIgnoreCase(id) || m.name().equalsIgnoreCase(id)) {
                    return m;
                }
            }
            throw new IllegalArgumentException("scoring.mode = '" + id + "', expected one of "
                    + Arrays.stream(values()).map(Mode::id).toList());
        }
    }

    @JsonCreator
    public ScoringConfig(@JsonProperty("mode") Mode mode, @JsonProperty("batchSize") Integer batchSize,
                         @JsonProperty("seed") Long seed) {
        this(mode, batchSize == null ? 64 : batchSize, seed == null ? 0L : seed);
    }

    public ScoringConfig(Mode mode, int batchSize, long seed) {
        if (batchSize < 2) {
            throw new IllegalArgumentException("scoring.batchSize = " + batchSize
                    + ", expected >= 2 (batch statistics of one beat are its own)");
        }
        this.mode = mode == null ? Mode.EVAL : mode;
        this.batchSize = batchSize;
        this.seed = seed;
    }

    public static ScoringConfig eval() {
        return new ScoringConfig(Mode.EVAL, 64, 0L);
    }

    public ScoringConfig withMode(Mode m) {
        return new ScoringConfig(m, batchSize, seed);
    }
}
